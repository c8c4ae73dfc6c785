/**
 * @file keel/version.h
 * @brief Version of the Keel SDK a component is compiled against.
 */
#pragma once

/** Major version: changes when the kernel ABI changes incompatibly. */
#define KEEL_VERSION_MAJOR 0
/** Minor version: changes when the ABI grows compatibly. */
#define KEEL_VERSION_MINOR 1
/** Patch level: fixes that change no interface. */
#define KEEL_VERSION_PATCH 0
/** The version as a string, "major.minor.patch". */
#define KEEL_VERSION_STRING "0.1.0"
