/* SPDX-License-Identifier: GPL-2.0-only */
/* JSON rendering of records for `ckpt info --json` and other tools. */
#ifndef CKPT_RECORD_JSON_H
#define CKPT_RECORD_JSON_H

#include <json-glib/json-glib.h>

#include "ckpt-record.h"

G_BEGIN_DECLS

/*
 * {"index", "offset", "type", "type_id", "len", "fields": {...}} with a
 * "skipped": true member instead of fields for an unknown optional record.
 * Field values: decimal kinds and objrefs are numbers (a u64 above
 * INT64_MAX is a decimal string), hex kinds are "0x..." strings, enums are
 * their name (a number when unknown), strings are UTF-8 strings, reserved
 * fields are left out.
 */
JsonNode *ckpt_record_to_json(const CkptRecord *rec);

/* Only the "fields" object of the above. */
JsonNode *ckpt_record_fields_to_json(const CkptRecord *rec);

G_END_DECLS

#endif /* CKPT_RECORD_JSON_H */
