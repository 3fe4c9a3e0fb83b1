/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of ccmem_guest.ko: acceptance, 2M->4K fallbacks,
 * conversions and security events of the emulated guests, and the
 * requests of their virtio-blk device and why its queue broke.
 *
 *   echo 1 > /sys/kernel/tracing/events/ccmem_guest/enable
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ccmem_guest

#if !defined(CCMEM_GUEST_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define CCMEM_GUEST_TRACE_H

#include <linux/tracepoint.h>

DECLARE_EVENT_CLASS(ccmem_guest_class,
	TP_PROTO(u32 vm, u32 vcpu, u64 gpa, u64 size, u64 detail),
	TP_ARGS(vm, vcpu, gpa, size, detail),
	TP_STRUCT__entry(
		__field(u32, vm)
		__field(u32, vcpu)
		__field(u64, gpa)
		__field(u64, size)
		__field(u64, detail)
	),
	TP_fast_assign(
		__entry->vm = vm;
		__entry->vcpu = vcpu;
		__entry->gpa = gpa;
		__entry->size = size;
		__entry->detail = detail;
	),
	TP_printk("vm=%u vcpu=%u gpa=0x%llx size=0x%llx detail=%llu",
		  __entry->vm, __entry->vcpu, __entry->gpa, __entry->size,
		  __entry->detail)
);

DEFINE_EVENT(ccmem_guest_class, ccmem_guest_accept_eager,
	TP_PROTO(u32 vm, u32 vcpu, u64 gpa, u64 size, u64 detail),
	TP_ARGS(vm, vcpu, gpa, size, detail));

DEFINE_EVENT(ccmem_guest_class, ccmem_guest_accept_lazy,
	TP_PROTO(u32 vm, u32 vcpu, u64 gpa, u64 size, u64 detail),
	TP_ARGS(vm, vcpu, gpa, size, detail));

DEFINE_EVENT(ccmem_guest_class, ccmem_guest_fallback_4k,
	TP_PROTO(u32 vm, u32 vcpu, u64 gpa, u64 size, u64 detail),
	TP_ARGS(vm, vcpu, gpa, size, detail));

DEFINE_EVENT(ccmem_guest_class, ccmem_guest_convert,
	TP_PROTO(u32 vm, u32 vcpu, u64 gpa, u64 size, u64 detail),
	TP_ARGS(vm, vcpu, gpa, size, detail));

DEFINE_EVENT(ccmem_guest_class, ccmem_guest_security,
	TP_PROTO(u32 vm, u32 vcpu, u64 gpa, u64 size, u64 detail),
	TP_ARGS(vm, vcpu, gpa, size, detail));

TRACE_EVENT(ccmem_guest_vio_request,
	TP_PROTO(u32 vm, u32 vcpu, bool write, u64 sector, u32 len, int err),
	TP_ARGS(vm, vcpu, write, sector, len, err),
	TP_STRUCT__entry(
		__field(u32, vm)
		__field(u32, vcpu)
		__field(bool, write)
		__field(u64, sector)
		__field(u32, len)
		__field(int, err)
	),
	TP_fast_assign(
		__entry->vm = vm;
		__entry->vcpu = vcpu;
		__entry->write = write;
		__entry->sector = sector;
		__entry->len = len;
		__entry->err = err;
	),
	TP_printk("vm=%u vcpu=%u %s sector=%llu len=%u err=%d",
		  __entry->vm, __entry->vcpu,
		  __entry->write ? "write" : "read", __entry->sector,
		  __entry->len, __entry->err)
);

TRACE_EVENT(ccmem_guest_vio_broken,
	TP_PROTO(u32 vm, u32 vcpu, u32 reason, bool reset_ok),
	TP_ARGS(vm, vcpu, reason, reset_ok),
	TP_STRUCT__entry(
		__field(u32, vm)
		__field(u32, vcpu)
		__field(u32, reason)
		__field(bool, reset_ok)
	),
	TP_fast_assign(
		__entry->vm = vm;
		__entry->vcpu = vcpu;
		__entry->reason = reason;
		__entry->reset_ok = reset_ok;
	),
	TP_printk("vm=%u vcpu=%u reason=%s reset=%s",
		  __entry->vm, __entry->vcpu,
		  __print_symbolic(__entry->reason,
				   { 1, "idx_jump" }, { 2, "bad_id" },
				   { 3, "bad_len" }, { 4, "stalled" },
				   { 5, "device_reset" }),
		  __entry->reset_ok ? "done" : "refused")
);

#endif /* CCMEM_GUEST_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE runner_trace
#include <trace/define_trace.h>
