/* connects charon_link's callbacks to the layers that act on them (wiring.c). */
#ifndef XFRMD_WIRING_H
#define XFRMD_WIRING_H

#include "charon_link.h"

extern const struct charon_link_ops wiring_charon_ops; /* ctx: the struct xfrmd */

#endif
