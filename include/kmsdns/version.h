/* SPDX-License-Identifier: MIT */
/* The suite's version, printed by every program's -V. */
#ifndef KMSDNS_VERSION_H
#define KMSDNS_VERSION_H

/* "kmsdns X.Y.Z" */
const char *kmsdns_version(void);

#endif
