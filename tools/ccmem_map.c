// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_map.c - human-readable views of a ccmem VM; see ccmem_map.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ccmem_map.h"

/* --- the memory map ------------------------------------------------------ */

char ccmem_map_char(uint8_t bits)
{
	bool priv = bits & CCMEM_MAP_PRIVATE;
	bool shared = bits & CCMEM_MAP_SHARED;

	if (bits & CCMEM_MAP_PINNED)
		return 'P';
	if (!priv && !shared)
		return '.';
	if (priv && shared)
		return 'm';
	if (shared)
		return 's';
	if (!(bits & CCMEM_MAP_ACCEPTED))
		return 'u';
	return bits & CCMEM_MAP_UNACCEPTED ? 'v' : 'V';
}

/* "2 MiB" for 2^@shift bytes. */
static const char *fmt_unit(uint32_t shift, char *buf, size_t len)
{
	static const char * const names[] = { "KiB", "MiB", "GiB" };
	uint32_t u = shift >= 30 ? 2 : shift >= 20 ? 1 : 0;

	snprintf(buf, len, "%llu %s",
		 (unsigned long long)(1ULL << (shift - 10 * (u + 1))),
		 names[u]);
	return buf;
}

void ccmem_map_legend_shift(FILE *out, const char *indent, uint32_t shift)
{
	char unit[24];

	fprintf(out, "%slegend: 1 char = %s; P pinned (shared)  V private, accepted\n",
		indent, fmt_unit(shift, unit, sizeof(unit)));
	fprintf(out, "%s  v private, partly accepted  u private, not accepted  s shared\n",
		indent);
	fprintf(out, "%s  m private+shared  . no region  (precedence: P . m s V v u)\n",
		indent);
}

void ccmem_map_legend(FILE *out, const char *indent)
{
	ccmem_map_legend_shift(out, indent, CCMEM_MAP_SHIFT);
}

void ccmem_map_render(FILE *out, const char *indent, uint64_t start,
		      uint32_t shift, const uint8_t *bits, uint64_t units)
{
	/* Ruler marks in K below 1 MiB units' scale, M below 1 GiB, else G. */
	uint32_t rshift = shift >= 30 ? 30 : shift >= 20 ? 20 : 10;
	char rname = shift >= 30 ? 'G' : shift >= 20 ? 'M' : 'K';
	uint64_t end = start + (units << shift), i;
	char line[CCMEM_MAP_COLS + 1];
	int width = 8, col;

	while (width < 16 && ((end - 1) >> (width * 4)))
		width++;

	/* Ruler: an offset every 16 units. */
	fprintf(out, "%s%*s  ", indent, width + 2, "gpa");
	for (col = 0; col < CCMEM_MAP_COLS && (uint64_t)col < units; col += 16) {
		char mark[24];

		snprintf(mark, sizeof(mark), "+%llu%c",
			 (unsigned long long)(((uint64_t)col << shift) >> rshift),
			 rname);
		if (col + 16 < CCMEM_MAP_COLS && (uint64_t)col + 16 < units)
			fprintf(out, "%-16s", mark);
		else
			fprintf(out, "%s\n", mark);
	}

	for (i = 0; i < units; i += CCMEM_MAP_COLS) {
		for (col = 0; col < CCMEM_MAP_COLS && i + col < units; col++)
			line[col] = ccmem_map_char(bits[i + col]);
		line[col] = '\0';
		fprintf(out, "%s0x%0*llx  %s\n", indent, width,
			(unsigned long long)(start + (i << shift)), line);
	}
}

/*
 * Print the map of [@gpa, @gpa + @size), widened to whole 2 MiB units:
 * a ruler, then 64 units per line, each line starting with its GPA.
 */
int ccmem_map_print(FILE *out, const char *indent, int vm, uint64_t gpa,
		    uint64_t size)
{
	const uint64_t unit = 1ULL << CCMEM_MAP_SHIFT;
	uint64_t start = gpa & ~(unit - 1);
	uint64_t end = (gpa + size + unit - 1) & ~(unit - 1);
	uint64_t units = (end - start) >> CCMEM_MAP_SHIFT;
	uint8_t *buf;
	int ret;

	if (!size || end <= start)
		return -EINVAL;
	if (units > (1U << 20))
		return -E2BIG;
	buf = malloc(units);
	if (!buf)
		return -ENOMEM;
	ret = ccmem_vm_map(vm, start, end - start, CCMEM_MAP_SHIFT, buf);
	if (!ret)
		ccmem_map_render(out, indent, start, CCMEM_MAP_SHIFT, buf, units);
	free(buf);
	return ret;
}

/* --- statistics ---------------------------------------------------------- */

/* Exact, in the largest unit that divides it: "256 MiB", "262140 KiB". */
static const char *fmt_size(uint64_t bytes, char *buf, size_t len)
{
	static const char * const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;

	while (bytes && u + 1 < ARRAY_SIZE(units) && !(bytes % 1024)) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, len, "%llu %s", (unsigned long long)bytes, units[u]);
	return buf;
}

/* "name=value" of counter @i, in the counter's unit. */
static void fmt_counter(const struct ccmem_stats_table *t, uint32_t i,
			char *buf, size_t len)
{
	const struct ccmem_stats_desc *d = &t->descs[i];
	const char *name = strchr(d->name, '.');
	uint64_t v = t->values[i];
	char val[32];

	name = name ? name + 1 : d->name;
	if (d->unit == CCMEM_UNIT_BYTES)
		fmt_size(v, val, sizeof(val));
	else if (d->unit == CCMEM_UNIT_ENUM && !strcmp(d->name, "vm.state"))
		snprintf(val, sizeof(val), "%s", ccmem_vm_state_name(v));
	else if (d->unit == CCMEM_UNIT_PAGES)
		snprintf(val, sizeof(val), "%llu pages", (unsigned long long)v);
	else
		snprintf(val, sizeof(val), "%llu", (unsigned long long)v);
	snprintf(buf, len, "%s=%s", name, val);
}

/*
 * Every counter of @t, a line per group ("vm", "snp", "guest"), wrapped
 * at 78 columns; without @all, counters that are zero are left out
 * (states are always shown).
 */
void ccmem_stats_print(FILE *out, const char *indent,
		       const struct ccmem_stats_table *t, bool all)
{
	char line[160], item[96], group[CCMEM_STAT_NAME_LEN] = "";
	size_t glen, n = 0;
	uint32_t i;

	for (i = 0; i < t->nr; i++) {
		const struct ccmem_stats_desc *d = &t->descs[i];

		if (!all && !t->values[i] && d->unit != CCMEM_UNIT_ENUM)
			continue;
		glen = strcspn(d->name, ".");
		fmt_counter(t, i, item, sizeof(item));
		if (strncmp(group, d->name, glen) || group[glen]) {
			if (n)
				fprintf(out, "%s%s\n", indent, line);
			snprintf(group, sizeof(group), "%.*s", (int)glen,
				 d->name);
			n = snprintf(line, sizeof(line), "%s: %s", group, item);
			continue;
		}
		if (n + 2 + strlen(item) > 78 - strlen(indent)) {
			fprintf(out, "%s%s\n", indent, line);
			n = snprintf(line, sizeof(line), "  %s", item);
		} else {
			n += snprintf(line + n, sizeof(line) - n, ", %s", item);
		}
	}
	if (n)
		fprintf(out, "%s%s\n", indent, line);
}

/* --- fault records ------------------------------------------------------- */

/* The #NPF / #PF error code bits that RMP checks set. */
static const struct {
	unsigned int bit;
	const char *name;
} ccmem_ec_bits[] = {
	{ 31, "RMP" },
	{ 34, "private" },
	{ 35, "size mismatch" },
	{ 36, "VMPL" },
	{ 1, "write" },
	{ 0, "present" },
};

/* "RMP|private|write", "none", or with "|0x..." for bits not named. */
const char *ccmem_fault_error_str(uint64_t error_code, char *buf, size_t len)
{
	uint64_t rest = error_code;
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	if (!error_code) {
		snprintf(buf, len, "none");
		return buf;
	}
	for (i = 0; i < ARRAY_SIZE(ccmem_ec_bits) && n < len; i++) {
		uint64_t m = 1ULL << ccmem_ec_bits[i].bit;

		if (!(error_code & m))
			continue;
		rest &= ~m;
		n += snprintf(buf + n, len - n, "%s%s", n ? "|" : "",
			      ccmem_ec_bits[i].name);
	}
	if (rest && n < len)
		snprintf(buf + n, len - n, "%s0x%llx", n ? "|" : "",
			 (unsigned long long)rest);
	return buf;
}

void ccmem_fault_print(FILE *out, const char *indent,
		       const struct ccmem_fault *f)
{
	const char *who, *kind;
	char ec[64], sz[24];

	if (f->reason == CCMEM_FAULT_HOST_ACCESS)
		who = "host";
	else
		who = f->flags & CCMEM_FAULT_F_PRIVATE ? "private" : "shared";
	if (f->flags & CCMEM_FAULT_F_EXEC)
		kind = "exec";
	else
		kind = f->flags & CCMEM_FAULT_F_WRITE ? "write" : "read";

	fprintf(out, "%sfault #%llu: %s at gpa 0x%llx (%s), %s %s, vcpu %u\n",
		indent, (unsigned long long)f->seq,
		ccmem_fault_reason_name(f->reason),
		(unsigned long long)f->gpa, fmt_size(f->size, sz, sizeof(sz)),
		who, kind, f->vcpu);
	fprintf(out, "%s  error code 0x%llx = %s\n", indent,
		(unsigned long long)f->error_code,
		ccmem_fault_error_str(f->error_code, ec, sizeof(ec)));
}

/* --- debugfs ------------------------------------------------------------- */

int ccmem_cat(FILE *out, const char *indent, const char *path)
{
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		fprintf(out, "%s%s", indent, line);
	fclose(f);
	return 0;
}
