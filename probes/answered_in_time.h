// Telling an overloaded loop from a slow target at a probe's deadline: the kernel knows when
// the connection came up and when the answer's bytes arrived, whenever the loop read them.
#pragma once

#include "probes/probe.h"

namespace latencyd::probes {

// Whether, `past_deadline` after the deadline, the kernel had the connection established
// (request not sent yet) or answer bytes waiting unread, since before the deadline: then the
// target was in time and the loop, too busy, was not (SkipCause::kLoopBusy).
bool AnsweredBeforeDeadline(int fd, Duration past_deadline, bool request_sent);

}  // namespace latencyd::probes
