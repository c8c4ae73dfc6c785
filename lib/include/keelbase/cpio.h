/*
 * cpio.h - reader for cpio "newc" archives held in memory (the boot image).
 *
 * Format (see cpio(5)): each member is a 110-byte ASCII header (magic 070701,
 * or 070702 whose "check" field is the byte sum of the data), then the path
 * name with its NUL, padded so header + name is a multiple of 4 bytes, then
 * the file data, padded to a multiple of 4.  The member named "TRAILER!!!"
 * ends the archive; anything after it (block padding) is ignored.
 *
 * The archive is untrusted: cpio_open() validates every member up to the
 * trailer, and the iterators check again, so no call reads outside it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <keelbase/errors.h>

/* File-type bits of cpio_entry.mode (the st_mode encoding). */
#define CPIO_MODE_TYPE  0170000u
#define CPIO_MODE_DIR   0040000u
#define CPIO_MODE_FILE  0100000u
#define CPIO_MODE_LINK  0120000u

/** An opened, validated archive. */
struct cpio {
    const uint8_t *base;    /**< first byte of the archive */
    size_t size;            /**< bytes up to the end of the trailer member */
};

/** One member of an archive. */
struct cpio_entry {
    const char *name;       /**< NUL-terminated path, as stored ("sub/file") */
    uint32_t mode;          /**< type and permission bits (CPIO_MODE_*) */
    const void *data;       /**< file contents (size bytes, inside the archive) */
    uint32_t size;          /**< length of the contents */
    size_t next;            /**< offset of the following member's header */
};

/**
 * Check the archive at buf (avail bytes readable) from its first member to
 * the trailer and fill c.  Errors: KERR_BADFMT for a bad magic, hex field,
 * name or checksum; KERR_RANGE for a member running past avail.
 */
enum kerr cpio_open(struct cpio *c, const void *buf, size_t avail);

/**
 * Iterate: decode the member at offset *pos (0 for the first) into e and
 * advance *pos.  Returns KERR_NOENT at the trailer (or past it), or the
 * errors of cpio_open() if the member is malformed.
 */
enum kerr cpio_next(const struct cpio *c, size_t *pos, struct cpio_entry *e);

/** Find the member called name.  KERR_NOENT if there is none. */
enum kerr cpio_find(const struct cpio *c, const char *name, struct cpio_entry *e);

/** True if the entry is a regular file (not a directory, link, device...). */
bool cpio_is_file(const struct cpio_entry *e);

/** True if the entry is a directory. */
bool cpio_is_dir(const struct cpio_entry *e);
