// Translates a config endpoint into the probe engine's ProbeSpec: the one place where the
// config model and the probe contract meet.
#pragma once

#include "config/config.h"
#include "probes/probe.h"

namespace latencyd {

probes::ProbeSpec ToProbeSpec(const config::Endpoint& endpoint);

}  // namespace latencyd
