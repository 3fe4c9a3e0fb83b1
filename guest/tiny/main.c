// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - the boot of the tiny guest kernel: the PVH start info, the
 * command line, the platform, the memory map, the guest core and its
 * acceptance policy; then the KTAP suite or one attack case.
 *
 * Memory. The core manages the RAM entry of the memory map that holds the
 * image, below 4 GiB, in 2 MiB units: [mem_start, mem_end). The launch
 * memory (the image with its bss, the start info, the command line and the
 * memory map table) was validated/accepted before the first instruction,
 * so the units holding it are marked accepted in the bitmap (accepting
 * them again would be a double validation) and taken out of the allocator.
 * The rest of those units is never touched. Everything else starts
 * unaccepted.
 */
#include "tiny.h"

struct tiny_state tiny;
struct ga_guest tiny_g;
struct ga_vcpu tiny_v;

/* The bitmap of up to TINY_MAX_UNITS units: bits plus one summary word. */
static u64 tiny_bitmap[TINY_MAX_UNITS / 64 + 8];

/* ---- start info ----------------------------------------------------------- */

static void tiny_add_launch(u64 start, u64 end, const char *what)
{
	struct tiny_range *r;

	if (tiny.nr_launch == TINY_MAX_LAUNCH)
		tiny_die("too many launch ranges");
	r = &tiny.launch[tiny.nr_launch++];
	r->start = align_down(start, CCMEM_PAGE_SIZE);
	r->end = align_up(end, CCMEM_PAGE_SIZE);
	r->what = what;
}

static void tiny_read_start_info(void)
{
	const struct hvm_start_info *si;
	const struct hvm_memmap_entry *mm;
	const char *cmd;
	u64 pa = tiny_boot_start_info;
	u32 i, n;

	if (!pa || pa >= TINY_MAP_LIMIT - sizeof(*si))
		tiny_die("no PVH start info (EBX = 0x%llx)", pa);
	si = tiny_priv(pa);
	if (si->magic != XEN_HVM_START_MAGIC)
		tiny_die("bad PVH start info magic 0x%x at 0x%llx", si->magic,
			 pa);
	tiny_add_launch(pa, pa + sizeof(*si), "start info");
	tiny_add_launch(tiny_pa(__image_start), tiny_pa(__image_end), "image");

	if (si->cmdline_paddr && si->cmdline_paddr < TINY_MAP_LIMIT) {
		cmd = tiny_priv(si->cmdline_paddr);
		for (n = 0; n < TINY_CMDLINE_MAX - 1 && cmd[n]; n++)
			tiny.cmdline[n] = cmd[n];
		tiny.cmdline[n] = '\0';
		tiny_add_launch(si->cmdline_paddr, si->cmdline_paddr + n + 1,
				"command line");
	}

	if (si->version < 1 || !si->memmap_paddr || !si->memmap_entries ||
	    si->memmap_paddr >= TINY_MAP_LIMIT)
		tiny_die("no memory map in the PVH start info (version %u)",
			 si->version);
	n = min_u64(si->memmap_entries, TINY_MAX_E820);
	mm = tiny_priv(si->memmap_paddr);
	for (i = 0; i < n; i++)
		tiny.e820[i] = mm[i];
	tiny.nr_e820 = n;
	tiny_add_launch(si->memmap_paddr,
			si->memmap_paddr + si->memmap_entries * sizeof(*mm),
			"memory map");
}

/* ---- command line ------------------------------------------------------------- */

/* Copy the value of a "key=value" word (up to the next space). */
static void tiny_copy_word(char *dst, u32 size, const char *src)
{
	u32 n;

	for (n = 0; n + 1 < size && src[n] && src[n] != ' '; n++)
		dst[n] = src[n];
	dst[n] = '\0';
}

static bool tiny_word_is(const char *w, const char *val)
{
	size_t n = strlen(val);

	return !strncmp(w, val, n) && (w[n] == ' ' || !w[n]);
}

static void tiny_parse_word(const char *w)
{
	struct tiny_opts *o = &tiny.opt;
	const char *v;

	if (strncmp(w, "ccmem.", 6))
		return;
	w += 6;
	if (!strncmp(w, "accept=", 7)) {
		v = w + 7;
		if (tiny_word_is(v, "eager"))
			o->policy = GA_POLICY_EAGER;
		else if (tiny_word_is(v, "lazy"))
			o->policy = GA_POLICY_LAZY;
		else if (tiny_word_is(v, "hybrid"))
			o->policy = GA_POLICY_HYBRID;
		else
			tiny_printf("ccmem-tiny: unknown acceptance policy, keeping lazy\n");
	} else if (!strncmp(w, "hybrid_mb=", 10)) {
		o->hybrid_mb = tiny_strtou64(w + 10, NULL);
	} else if (!strncmp(w, "tests=", 6)) {
		tiny_copy_word(o->tests, sizeof(o->tests), w + 6);
	} else if (!strncmp(w, "psc=", 4)) {
		o->psc_msr = tiny_word_is(w + 4, "msr");
	} else if (!strncmp(w, "attack=", 7)) {
		tiny_copy_word(o->attack, sizeof(o->attack), w + 7);
	} else if (!strncmp(w, "force4k=", 8)) {
		o->force4k = tiny_strtou64(w + 8, NULL) != 0;
	} else if (!strncmp(w, "virtio=", 7)) {
		o->virtio = tiny_word_is(w + 7, "mmio");
		if (!o->virtio)
			tiny_printf("ccmem-tiny: unknown virtio transport, no virtio tests\n");
	} else if (!strncmp(w, "verbose=", 8)) {
		o->verbose = tiny_strtou64(w + 8, NULL) != 0;
	} else {
		tiny_printf("ccmem-tiny: ignoring unknown option ccmem.%s\n", w);
	}
}

static void tiny_parse_cmdline(void)
{
	const char *p = tiny.cmdline;

	tiny.opt.policy = GA_POLICY_LAZY;
	tiny.opt.hybrid_mb = 32;
	for (;;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		tiny_parse_word(p);
		while (*p && *p != ' ')
			p++;
	}
}

/* ---- memory ----------------------------------------------------------------- */

u64 tiny_nr_units(void)
{
	return tiny_g.bm.nr_units;
}

/* Does unit @unit of the managed range hold launch memory? */
bool tiny_launch_unit(u64 unit)
{
	u64 s = tiny_g.mem_start + (unit << TINY_UNIT_SHIFT);
	u64 e = s + TINY_2M;
	u32 i;

	for (i = 0; i < tiny.nr_launch; i++) {
		if (tiny.launch[i].start < e && tiny.launch[i].end > s)
			return true;
	}
	return false;
}

static const struct hvm_memmap_entry *tiny_ram_entry_of(u64 pa)
{
	u32 i;

	for (i = 0; i < tiny.nr_e820; i++) {
		if (tiny.e820[i].type == E820_RAM && tiny.e820[i].addr <= pa &&
		    pa - tiny.e820[i].addr < tiny.e820[i].size)
			return &tiny.e820[i];
	}
	return NULL;
}

/*
 * The managed range: the RAM entry holding the image, cut to whole 2 MiB
 * units below 4 GiB. Its first unit may begin below the entry (the image
 * at 1 MiB lies in unit 0); that unit holds launch memory, so it is never
 * accepted or handed out.
 */
static void tiny_pick_range(u64 *start, u64 *end)
{
	u64 img = tiny_pa(__image_start), img_end = tiny_pa(__image_end);
	const struct hvm_memmap_entry *e = tiny_ram_entry_of(img);

	if (!e || img_end - e->addr > e->size)
		tiny_die("the image [0x%llx, 0x%llx) is not inside one RAM entry of the memory map",
			 img, img_end);
	*start = min_u64(align_up(e->addr, TINY_2M), align_down(img, TINY_2M));
	*end = align_down(min_u64(e->addr + e->size, TINY_MAP_LIMIT), TINY_2M);
	if (*end <= align_up(img_end, TINY_2M))
		tiny_die("no whole 2 MiB unit of RAM above the image (RAM entry [0x%llx, 0x%llx))",
			 e->addr, e->addr + e->size);
}

static void tiny_core_init(void)
{
	const struct ga_platform *plat;
	u64 start, end, u, first, eager;
	int ret;

	tiny_pick_range(&start, &end);
	plat = tiny.plat == TINY_SNP ? &ga_platform_snp :
	       tiny.plat == TINY_TDX ? &ga_platform_tdx : &tiny_platform_null;
	if (tiny.plat == TINY_NULL &&
	    tiny_platform_null.accept_asks_host !=
	    ga_platform_null.accept_asks_host)
		tiny_die("tiny_platform_null no longer matches ga_platform_null");
	if (((end - start) >> TINY_UNIT_SHIFT) > TINY_MAX_UNITS ||
	    ga_bitmap_words((end - start) >> TINY_UNIT_SHIFT) >
	    ARRAY_SIZE(tiny_bitmap))
		tiny_die("guest-managed range too large for the bitmap");
	ret = ga_guest_init(&tiny_g, start, end, TINY_UNIT_SHIFT, tiny_bitmap,
			    plat, &tiny_env_ops, NULL);
	if (ret)
		tiny_die("ga_guest_init: %s", tiny_err_name(ret));

	tiny_g.policy = tiny.opt.policy;
	eager = align_up(tiny.opt.hybrid_mb << 20, TINY_2M);
	tiny_g.eager_bytes = tiny.opt.policy == GA_POLICY_HYBRID ?
			     min_u64(eager, end - start) : 0;
	tiny_g.force_4k = tiny.opt.force4k;
	tiny_g.msr_protocol = tiny.plat == TINY_SNP && tiny.opt.psc_msr;
	tiny_g.tdx.gpaw = tiny.gpaw;
	tiny_g.tdx.attr = tiny.td_attr;
	tiny_v.g = &tiny_g;
	tiny_v.id = 0;

	/*
	 * Launch units: accepted already, reserved from the allocator (one
	 * reservation per run of such units).
	 */
	for (u = 0; u < tiny_nr_units(); u++) {
		if (!tiny_launch_unit(u)) {
			if (tiny.plat == TINY_NULL)
				tiny_null_map_unit(start + (u << TINY_UNIT_SHIFT),
						   false);
			continue;
		}
		tiny_env_ops.lock(NULL);
		ga_bitmap_clear_unit(&tiny_g.bm, u);
		tiny_env_ops.unlock(NULL);
		first = u;
		while (u + 1 < tiny_nr_units() && tiny_launch_unit(u + 1)) {
			u++;
			tiny_env_ops.lock(NULL);
			ga_bitmap_clear_unit(&tiny_g.bm, u);
			tiny_env_ops.unlock(NULL);
		}
		ret = ga_guest_reserve(&tiny_g, start + (first << TINY_UNIT_SHIFT),
				       (u - first + 1) << TINY_UNIT_SHIFT);
		if (ret)
			tiny_die("ga_guest_reserve of the launch units: %s",
				 tiny_err_name(ret));
	}
	tiny.core_ready = true;
}

static const char *tiny_e820_name(u32 type)
{
	switch (type) {
	case 1:
		return "RAM";
	case 2:
		return "reserved";
	case 3:
		return "ACPI";
	case 4:
		return "ACPI NVS";
	case 5:
		return "unusable";
	}
	return "other";
}

static void tiny_print_memmap(void)
{
	const struct hvm_memmap_entry *e;
	u64 end;
	u32 i;

	tiny_printf("ccmem-tiny: memory map (%u entries):\n", tiny.nr_e820);
	for (i = 0; i < tiny.nr_e820; i++) {
		e = &tiny.e820[i];
		end = e->addr + e->size;
		tiny_printf("ccmem-tiny:   [0x%012llx-0x%012llx) %-8s %llu KiB%s\n",
			    e->addr, end, tiny_e820_name(e->type),
			    e->size >> 10,
			    e->type == E820_RAM && end > TINY_MAP_LIMIT ?
			    " (above 4 GiB: not managed)" : "");
	}
	for (i = 0; i < tiny.nr_launch; i++)
		tiny_printf("ccmem-tiny: launch memory [0x%llx-0x%llx) %s\n",
			    tiny.launch[i].start, tiny.launch[i].end,
			    tiny.launch[i].what);
	tiny_printf("ccmem-tiny: guest-managed [0x%llx-0x%llx): %llu units of 2 MiB\n",
		    tiny_g.mem_start, tiny_g.mem_end, tiny_nr_units());
	tiny_printf("ccmem-tiny: private map VA = PA, shared alias VA = PA + 0x%llx\n",
		    (u64)TINY_SHARED_BASE);
}

/* Runs of accepted and unaccepted units. */
void tiny_print_units(const char *prefix)
{
	u64 u, first, n = tiny_nr_units(), acc = 0;
	bool un, launch;

	for (u = 0; u < n; u = first) {
		first = u;
		un = ga_bitmap_unit_unaccepted(&tiny_g.bm, u);
		launch = tiny_launch_unit(u);
		while (first < n &&
		       ga_bitmap_unit_unaccepted(&tiny_g.bm, first) == un &&
		       tiny_launch_unit(first) == launch)
			first++;
		if (!un)
			acc += first - u;
		tiny_printf("%sunits %llu-%llu [0x%llx-0x%llx) %s%s\n", prefix,
			    u, first - 1,
			    tiny_g.mem_start + (u << TINY_UNIT_SHIFT),
			    tiny_g.mem_start + (first << TINY_UNIT_SHIFT),
			    un ? "unaccepted" : "accepted",
			    launch ? " (launch)" : "");
	}
	tiny_printf("%s%llu accepted, %llu unaccepted (bitmap count %llu)\n",
		    prefix, acc, n - acc, tiny_g.bm.nr_unaccepted);
}

void tiny_print_stats(const char *label)
{
	const struct ga_stats *s = &tiny_g.stat;

	tiny_printf("ccmem-tiny: %s: accepted %llu KiB: eager %llu lazy %llu (exception %llu)\n",
		    label, s->accepted_bytes >> 10, s->eager_accepts,
		    s->lazy_accepts, s->exception_accepts);
	tiny_printf("ccmem-tiny: %s: accept insns %llu, 4K fallbacks %llu, hypercalls %llu\n",
		    label, s->accept_calls, s->fallbacks_4k, s->hypercalls);
	tiny_printf("ccmem-tiny: %s: entries %llu reissues %llu, to shared %llu private %llu\n",
		    label, s->convert_entries, s->convert_reissues,
		    s->to_shared, s->to_private);
	tiny_printf("ccmem-tiny: %s: sec events %llu, alloc %llu free %llu, traps %llu+%llu\n",
		    label, s->security_events, s->alloc_pages, s->free_pages,
		    tiny.touch_faults, tiny.copy_faults);
}

/* ---- main ------------------------------------------------------------------------ */

static const char *tiny_policy_name(u32 p)
{
	return p == GA_POLICY_EAGER ? "eager" :
	       p == GA_POLICY_HYBRID ? "hybrid" : "lazy";
}

void tiny_main(void)
{
	int ret;

	tiny_console_init();
	tiny_printf("\nccmem-tiny: booting, image [0x%llx-0x%llx)\n",
		    tiny_pa(__image_start), tiny_pa(__image_end));
	tiny_cpu_init();
	tiny_read_start_info();
	tiny_printf("ccmem-tiny: command line: %s\n", tiny.cmdline);
	tiny_parse_cmdline();
	tiny_plat_detect();
	tiny_plat_print();
	tiny_mm_init();
	tiny_core_init();
	tiny_print_memmap();

	if (tiny.plat == TINY_SNP)
		tiny_snp_ghcb_init();

	tiny_printf("ccmem-tiny: policy %s%s%s%s\n",
		    tiny_policy_name(tiny_g.policy),
		    tiny_g.policy == GA_POLICY_HYBRID ? " (eager part)" : "",
		    tiny_g.force_4k ? ", 4 KiB only" : "",
		    tiny_g.msr_protocol ? ", PSC by the MSR protocol" : "");
	if (tiny_g.policy == GA_POLICY_HYBRID)
		tiny_printf("ccmem-tiny: hybrid: first %llu MiB accepted at boot\n",
			    tiny_g.eager_bytes >> 20);
	ret = ga_guest_boot(&tiny_v);
	if (ret == -GA_EFATAL)
		tiny_die_event(&tiny_v, "the boot policy");
	if (ret)
		tiny_die("the boot policy: %s", tiny_err_name(ret));
	tiny_printf("ccmem-tiny: after the boot policy:\n");
	tiny_print_units("ccmem-tiny:   ");
	tiny_print_stats("boot");

	if (tiny.opt.attack[0]) {
		tiny_run_attack(tiny.opt.attack);
		tiny_exit(1);
	}
	ret = tiny_run_suite();
	tiny_print_stats("end");
	tiny_printf("ccmem-tiny: done, %s\n", ret ? "FAILED" : "all passed");
	tiny_exit(ret);
}
