// The version and git revision latencyd was built from (--version, latencyd_build_info).
// Defined in a file generated at build time (cmake/build_info.cmake).
#pragma once

namespace latencyd {

const char* BuildVersion();
const char* BuildRevision();

}  // namespace latencyd
