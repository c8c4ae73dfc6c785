/*
 * Flattened device-tree (DTB) reader.  Every read is bounds-checked against
 * the blob's header, and fdt_open() walks the whole structure block once, so
 * a corrupt or truncated blob is rejected with an error, never read past.
 *
 * Nodes are named by their offset in the structure block (the root is 0);
 * a negative value means "none".
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <keelbase/errors.h>

#define FDT_MAGIC 0xd00dfeedu
#define FDT_MAX_DEPTH 32

struct fdt {
    const uint8_t *blob;
    uint32_t size;          /* header totalsize */
    uint32_t struct_off, struct_size;
    uint32_t strings_off, strings_size;
    uint32_t rsvmap_off;
};

/* Big-endian loads from possibly unaligned memory. */
uint32_t fdt_be32(const void *p);
uint64_t fdt_be64(const void *p);

/* Size the header claims (0 if no FDT magic); for callers that must decide
 * how much memory to trust before fdt_open. */
uint32_t fdt_claimed_size(const void *blob);

/* Validate blob (at most avail readable bytes) and prepare f for reading. */
enum kerr fdt_open(struct fdt *f, const void *blob, size_t avail);

/* Next node after node in document order (node < 0: the root).  *depth is
 * updated to the new node's depth (root = 0).  Returns -1 at the end. */
int fdt_next_node(const struct fdt *f, int node, int *depth);

/* Name of node ("" for the root), or NULL if node is not a node. */
const char *fdt_node_name(const struct fdt *f, int node);

/* Value of property name of node, and its length; NULL if absent. */
const void *fdt_getprop(const struct fdt *f, int node, const char *name, uint32_t *len);

/* Property as a NUL-terminated string, or NULL if absent or unterminated. */
const char *fdt_prop_string(const struct fdt *f, int node, const char *name);

/* Property as a 32- or 64-bit big-endian integer (by its length). */
enum kerr fdt_prop_uint(const struct fdt *f, int node, const char *name, uint64_t *val);

/* Child of parent called name (an exact match, or "name" matching
 * "name@unit"); -1 if none. */
int fdt_subnode(const struct fdt *f, int parent, const char *name);

/* Node at an absolute path such as "/chosen" or "/soc/serial@10000000". */
int fdt_path(const struct fdt *f, const char *path);

/* True if node's "compatible" list contains compat. */
bool fdt_is_compatible(const struct fdt *f, int node, const char *compat);

/* First node in document order whose "compatible" list contains compat;
 * -1 if none. */
int fdt_find_compatible(const struct fdt *f, const char *compat);

/* The CPUs' timebase (counter) frequency: /cpus' timebase-frequency, else
 * the first cpu node's; KERR_NOENT if neither says (or says 0). */
enum kerr fdt_timebase_hz(const struct fdt *f, uint64_t *hz);

/* Parent of node; -1 for the root or if node is not a node. */
int fdt_parent(const struct fdt *f, int node);

/* #address-cells / #size-cells declared by node (for its children), with the
 * specification's defaults (2 and 1) when absent. */
uint32_t fdt_address_cells(const struct fdt *f, int node);
uint32_t fdt_size_cells(const struct fdt *f, int node);

/* Entry idx of node's "reg", decoded with the given cell counts.
 * KERR_NOENT past the last entry. */
enum kerr fdt_reg(const struct fdt *f, int node, uint32_t idx, uint32_t addr_cells,
                  uint32_t size_cells, uint64_t *base, uint64_t *size);

/* Entry idx of node's "reg", decoded with its bus's cell counts and
 * translated to a physical address through every bus's "ranges" ("ranges;"
 * maps 1:1; addresses of up to two cells).  KERR_NOENT past the last entry
 * or if a bus does not map it. */
enum kerr fdt_reg_phys(const struct fdt *f, int node, uint32_t idx, uint64_t *base,
                       uint64_t *size);

/* Entry idx of the memory-reservation block; KERR_NOENT past the last. */
enum kerr fdt_memreserve(const struct fdt *f, uint32_t idx, uint64_t *base, uint64_t *size);
