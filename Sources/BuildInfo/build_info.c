#include "build_info.h"

#ifndef KPATH_VERSION
#define KPATH_VERSION "unknown"
#endif
#ifndef KPATH_COMMIT
#define KPATH_COMMIT "unknown"
#endif

const char *kpath_version(void) { return KPATH_VERSION; }
const char *kpath_commit(void) { return KPATH_COMMIT; }
