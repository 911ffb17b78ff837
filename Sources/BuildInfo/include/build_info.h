// What `kpath --version` prints: the version in ./VERSION and the commit the
// binary was built from, both set by Package.swift as -D defines at build time.
#pragma once
const char *kpath_version(void);
const char *kpath_commit(void);
