/* Empty: BPFRecords is a header-only module (include/kpath.h); SwiftPM needs a source file. */
#include "kpath.h"
