/* AArch64 assembler helpers shared by the .S files. */
#pragma once

#include <arch_port.h>

