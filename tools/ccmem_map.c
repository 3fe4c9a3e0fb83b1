// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_map.c - human-readable views of a ccmem VM; see ccmem_map.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ccmem_map.h"

/* --- ioctl wrappers ------------------------------------------------------ */

int ccmem_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

int ccmem_open_dev(void)
{
	int fd = open(CCMEM_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* Returns the new VM fd; @out (optional) gets the ASID and backend used. */
int ccmem_vm_create(int dev, __u32 type, __u32 backend,
		    struct ccmem_vm_create *out)
{
	struct ccmem_vm_create c = { .type = type, .backend = backend };
	int fd = ccmem_ioctl(dev, CCMEM_CREATE_VM, &c);

	if (out)
		*out = c;
	return fd;
}

int ccmem_vm_add_region(int vm, __u64 gpa, __u64 size, void *shared,
			__u32 flags)
{
	struct ccmem_region r = {
		.gpa = gpa,
		.size = size,
		.shared_uaddr = (uintptr_t)shared,
		.flags = flags,
	};

	return ccmem_ioctl(vm, CCMEM_VM_ADD_REGION, &r);
}

int ccmem_vm_set_attr(int vm, __u64 gpa, __u64 size, bool priv)
{
	struct ccmem_attributes a = {
		.gpa = gpa,
		.size = size,
		.attributes = priv ? CCMEM_ATTR_PRIVATE : 0,
	};

	return ccmem_ioctl(vm, CCMEM_VM_SET_ATTRIBUTES, &a);
}

int ccmem_vm_populate(int vm, __u64 gpa, __u64 size, __u64 *populated)
{
	struct ccmem_populate p = { .gpa = gpa, .size = size };
	int ret = ccmem_ioctl(vm, CCMEM_VM_POPULATE, &p);

	if (populated)
		*populated = p.populated;
	return ret;
}

int ccmem_vm_pin(int vm, __u64 gpa, __u64 size, bool pin)
{
	struct ccmem_pin p = { .gpa = gpa, .size = size };

	return ccmem_ioctl(vm, pin ? CCMEM_VM_PIN : CCMEM_VM_UNPIN, &p);
}

int ccmem_vm_stats(int vm, struct ccmem_vm_stats *s)
{
	memset(s, 0, sizeof(*s));
	return ccmem_ioctl(vm, CCMEM_VM_GET_STATS, s);
}

int ccmem_vm_map(int vm, __u64 gpa, __u64 size, __u32 shift, __u8 *buf)
{
	struct ccmem_map m = {
		.gpa = gpa,
		.size = size,
		.buf = (uintptr_t)buf,
		.unit_shift = shift,
	};

	return ccmem_ioctl(vm, CCMEM_VM_GET_MAP, &m);
}

/* Returns the number of records read; @pending (optional) what is left. */
int ccmem_vm_read_faults(int vm, struct ccmem_fault *recs, __u32 nr,
			 __u32 *pending)
{
	struct ccmem_fault_read r = { .records = (uintptr_t)recs, .nr = nr };
	int ret = ccmem_ioctl(vm, CCMEM_VM_READ_FAULTS, &r);

	if (pending)
		*pending = ret ? 0 : r.pending;
	return ret ? ret : (int)r.count;
}

int ccmem_emu_op(int vm, struct ccmem_emu_op *op)
{
	return ccmem_ioctl(vm, CCMEM_VM_EMU_GUEST_OP, op);
}

int ccmem_emu_pvalidate(int vm, __u64 gpa, bool is_2m, bool validate,
			struct ccmem_emu_op *op)
{
	memset(op, 0, sizeof(*op));
	op->op = CCMEM_EMU_PVALIDATE;
	op->flags = is_2m ? CCMEM_EMU_F_2M : 0;
	op->gpa = gpa;
	op->arg = validate;
	return ccmem_emu_op(vm, op);
}

/* @kind: CCMEM_EMU_READ, _WRITE or _HOST_WRITE (which ignores @shared). */
int ccmem_emu_rw(int vm, __u32 kind, __u64 gpa, void *buf, __u32 len,
		 bool shared, struct ccmem_emu_op *op)
{
	memset(op, 0, sizeof(*op));
	op->op = kind;
	op->flags = shared && kind != CCMEM_EMU_HOST_WRITE ?
		    CCMEM_EMU_F_SHARED : 0;
	op->gpa = gpa;
	op->buf = (uintptr_t)buf;
	op->len = len;
	return ccmem_emu_op(vm, op);
}

/* --- the memory map ------------------------------------------------------ */

char ccmem_map_char(__u8 bits)
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
	if (!(bits & CCMEM_MAP_VALIDATED))
		return 'u';
	return bits & CCMEM_MAP_UNVALIDATED ? 'v' : 'V';
}

void ccmem_map_legend(FILE *out, const char *indent)
{
	fprintf(out, "%slegend: 1 char = 2 MiB; P pinned (shared)  V private, validated\n",
		indent);
	fprintf(out, "%s  v private, partly validated  u private, not validated  s shared\n",
		indent);
	fprintf(out, "%s  m private+shared  . no region  (precedence: P . m s V v u)\n",
		indent);
}

/*
 * Print the map of [@gpa, @gpa + @size), widened to whole 2 MiB units:
 * a ruler, then 64 units per line, each line starting with its GPA.
 */
int ccmem_map_print(FILE *out, const char *indent, int vm, __u64 gpa,
		    __u64 size)
{
	const __u64 unit = 1ULL << CCMEM_MAP_SHIFT;
	__u64 start = gpa & ~(unit - 1);
	__u64 end = (gpa + size + unit - 1) & ~(unit - 1);
	__u64 units = (end - start) >> CCMEM_MAP_SHIFT, i;
	char line[CCMEM_MAP_COLS + 1];
	int width = 8, col, ret;
	__u8 *buf;

	if (!size || end <= start)
		return -EINVAL;
	if (units > (1U << 20))
		return -E2BIG;
	while (width < 16 && ((end - 1) >> (width * 4)))
		width++;

	buf = malloc(units);
	if (!buf)
		return -ENOMEM;
	ret = ccmem_vm_map(vm, start, end - start, CCMEM_MAP_SHIFT, buf);
	if (ret) {
		free(buf);
		return ret;
	}

	/* Ruler: an offset every 16 units (32 MiB). */
	fprintf(out, "%s%*s  ", indent, width + 2, "gpa");
	for (col = 0; col < CCMEM_MAP_COLS && (__u64)col < units; col += 16) {
		char mark[24];

		snprintf(mark, sizeof(mark), "+%lluM",
			 (unsigned long long)((col * unit) >> 20));
		if (col + 16 < CCMEM_MAP_COLS && (__u64)col + 16 < units)
			fprintf(out, "%-16s", mark);
		else
			fprintf(out, "%s\n", mark);
	}

	for (i = 0; i < units; i += CCMEM_MAP_COLS) {
		for (col = 0; col < CCMEM_MAP_COLS && i + col < units; col++)
			line[col] = ccmem_map_char(buf[i + col]);
		line[col] = '\0';
		fprintf(out, "%s0x%0*llx  %s\n", indent, width,
			(unsigned long long)(start + (i << CCMEM_MAP_SHIFT)),
			line);
	}
	free(buf);
	return 0;
}

/* --- statistics ---------------------------------------------------------- */

const char *ccmem_vm_state_name(__u32 state)
{
	switch (state) {
	case CCMEM_VM_STATE_LIVE:
		return "live";
	case CCMEM_VM_STATE_DEAD:
		return "dead";
	case CCMEM_VM_STATE_DETACHED:
		return "detached";
	default:
		return "unknown";
	}
}

/* Exact, in the largest unit that divides it: "256 MiB", "262140 KiB". */
static const char *fmt_size(__u64 bytes, char *buf, size_t len)
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

void ccmem_stats_print(FILE *out, const char *indent,
		       const struct ccmem_vm_stats *s)
{
	char a[24], b[24];

	fprintf(out, "%s%s; private %s, shared %s; %llu private range(s)\n",
		indent, ccmem_vm_state_name(s->state),
		fmt_size(s->private_bytes, a, sizeof(a)),
		fmt_size(s->shared_bytes, b, sizeof(b)),
		(unsigned long long)s->attr_ranges);
	fprintf(out, "%spopulated %llu pages; RMP entries made: %llu x 2M, %llu x 4K",
		indent, (unsigned long long)s->populated_pages,
		(unsigned long long)s->assigned_2m,
		(unsigned long long)s->assigned_4k);
	fprintf(out, "; splits %llu\n", (unsigned long long)s->splits);
	fprintf(out, "%sconversions: %llu to private, %llu to shared; pages ",
		indent, (unsigned long long)s->to_private,
		(unsigned long long)s->to_shared);
	fprintf(out, "scrubbed %llu, reclaimed %llu, leaked %llu\n",
		(unsigned long long)s->scrubbed_pages,
		(unsigned long long)s->reclaimed_pages,
		(unsigned long long)s->leaked_pages);
	fprintf(out, "%spinned %llu pages; faults %llu (backpressure %llu); ",
		indent, (unsigned long long)s->pinned_pages,
		(unsigned long long)s->faults_queued,
		(unsigned long long)s->faults_backpressure);
	fprintf(out, "sigbus %llu; platform retries %llu\n",
		(unsigned long long)s->sigbus,
		(unsigned long long)s->platform_retries);
}

/* --- fault records ------------------------------------------------------- */

const char *ccmem_fault_reason_name(__u32 reason)
{
	switch (reason) {
	case CCMEM_FAULT_RMP_NPF:
		return "RMP #NPF";
	case CCMEM_FAULT_MEMORY_ATTR:
		return "memory attribute";
	case CCMEM_FAULT_NO_REGION:
		return "no region";
	case CCMEM_FAULT_HOST_RMP_PF:
		return "host RMP #PF";
	default:
		return "unknown";
	}
}

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
};

/* "RMP|private|write", "none", or with "|0x..." for bits not named. */
const char *ccmem_fault_error_str(__u64 error_code, char *buf, size_t len)
{
	__u64 rest = error_code;
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	if (!error_code) {
		snprintf(buf, len, "none");
		return buf;
	}
	for (i = 0; i < ARRAY_SIZE(ccmem_ec_bits) && n < len; i++) {
		__u64 m = 1ULL << ccmem_ec_bits[i].bit;

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

	if (f->reason == CCMEM_FAULT_HOST_RMP_PF)
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

int ccmem_read_counter(const char *path, const char *key, long long *val)
{
	size_t klen = strlen(key);
	char line[256];
	int ret = -ENOENT;
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			*val = strtoll(line + klen + 1, NULL, 10);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}
