/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of ccmem.ko: conversions, faults, reclaim and leaks.
 *
 *   echo 1 > /sys/kernel/tracing/events/ccmem/enable
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ccmem

#if !defined(CCMEM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define CCMEM_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(ccmem_convert,
	TP_PROTO(u32 vm, u64 gpa, u64 size, bool to_private, int ret),
	TP_ARGS(vm, gpa, size, to_private, ret),
	TP_STRUCT__entry(
		__field(u32, vm)
		__field(u64, gpa)
		__field(u64, size)
		__field(bool, to_private)
		__field(int, ret)
	),
	TP_fast_assign(
		__entry->vm = vm;
		__entry->gpa = gpa;
		__entry->size = size;
		__entry->to_private = to_private;
		__entry->ret = ret;
	),
	TP_printk("vm=%u gpa=0x%llx size=0x%llx to=%s ret=%d",
		  __entry->vm, __entry->gpa, __entry->size,
		  __entry->to_private ? "private" : "shared", __entry->ret)
);

TRACE_EVENT(ccmem_fault,
	TP_PROTO(u32 vm, u64 gpa, u32 reason, u32 flags, u64 error_code,
		 int ret),
	TP_ARGS(vm, gpa, reason, flags, error_code, ret),
	TP_STRUCT__entry(
		__field(u32, vm)
		__field(u64, gpa)
		__field(u32, reason)
		__field(u32, flags)
		__field(u64, error_code)
		__field(int, ret)
	),
	TP_fast_assign(
		__entry->vm = vm;
		__entry->gpa = gpa;
		__entry->reason = reason;
		__entry->flags = flags;
		__entry->error_code = error_code;
		__entry->ret = ret;
	),
	TP_printk("vm=%u gpa=0x%llx reason=%u flags=0x%x error=0x%llx ret=%d",
		  __entry->vm, __entry->gpa, __entry->reason, __entry->flags,
		  __entry->error_code, __entry->ret)
);

DECLARE_EVENT_CLASS(ccmem_page_class,
	TP_PROTO(u32 vm, u64 gfn, u64 pfn, int order),
	TP_ARGS(vm, gfn, pfn, order),
	TP_STRUCT__entry(
		__field(u32, vm)
		__field(u64, gfn)
		__field(u64, pfn)
		__field(int, order)
	),
	TP_fast_assign(
		__entry->vm = vm;
		__entry->gfn = gfn;
		__entry->pfn = pfn;
		__entry->order = order;
	),
	TP_printk("vm=%u gfn=0x%llx pfn=0x%llx order=%d",
		  __entry->vm, __entry->gfn, __entry->pfn, __entry->order)
);

DEFINE_EVENT(ccmem_page_class, ccmem_populate,
	TP_PROTO(u32 vm, u64 gfn, u64 pfn, int order),
	TP_ARGS(vm, gfn, pfn, order));

DEFINE_EVENT(ccmem_page_class, ccmem_reclaim,
	TP_PROTO(u32 vm, u64 gfn, u64 pfn, int order),
	TP_ARGS(vm, gfn, pfn, order));

DEFINE_EVENT(ccmem_page_class, ccmem_leak,
	TP_PROTO(u32 vm, u64 gfn, u64 pfn, int order),
	TP_ARGS(vm, gfn, pfn, order));

/*
 * An exit of an emulated vCPU: gpa/size/detail are the conversion's range
 * and flags, the fault's range and reason, the security event's page and
 * reason, or the termination's reason code.
 */
TRACE_EVENT(ccmem_vcpu_exit,
	TP_PROTO(u32 vm, u32 vcpu, u32 reason, u64 gpa, u64 size, u64 detail),
	TP_ARGS(vm, vcpu, reason, gpa, size, detail),
	TP_STRUCT__entry(
		__field(u32, vm)
		__field(u32, vcpu)
		__field(u32, reason)
		__field(u64, gpa)
		__field(u64, size)
		__field(u64, detail)
	),
	TP_fast_assign(
		__entry->vm = vm;
		__entry->vcpu = vcpu;
		__entry->reason = reason;
		__entry->gpa = gpa;
		__entry->size = size;
		__entry->detail = detail;
	),
	TP_printk("vm=%u vcpu=%u exit=%u gpa=0x%llx size=0x%llx detail=0x%llx",
		  __entry->vm, __entry->vcpu, __entry->reason, __entry->gpa,
		  __entry->size, __entry->detail)
);

#endif /* CCMEM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE ccmem_trace
#include <trace/define_trace.h>
