// SPDX-License-Identifier: GPL-2.0
/*
 * arch.c - the registry of platform modules and of the emulated-guest
 * runner, and the capabilities they make up.
 *
 * Each platform module registers a struct ccmem_arch_ops;
 * CCMEM_CREATE_VM picks the one matching the requested VM type. Every VM
 * holds a reference on its platform module from its creation until its
 * last page has been reclaimed, so a platform module is unloaded only
 * once no VM of its type is left (rmmod fails with EWOULDBLOCK before).
 * ccmem_guest.ko registers the runner that emulated vCPUs execute; a VM
 * using it holds a reference on it too.
 */
#define pr_fmt(fmt) "ccmem: " fmt

#include <linux/module.h>

#include "ccmem_core.h"

/* Protects ccmem_vms and ccmem_archs; taken before any vm->lock. */
DEFINE_MUTEX(ccmem_vms_lock);
LIST_HEAD(ccmem_vms);

/* Registered platforms, indexed by VM type; under ccmem_vms_lock. */
static const struct ccmem_arch_ops *ccmem_archs[CCMEM_VM_TDX + 1];

/*
 * The runner, under its own lock: CCMEM_EMU_GUEST_INIT looks it up with
 * vm->lock held, which ccmem_vms_lock must never be taken under.
 */
static DEFINE_MUTEX(ccmem_runner_lock);
static const struct ccmem_runner_ops *ccmem_runner;

/**
 * ccmem_register_arch() - make a VM type available.
 * @ops: the platform's operations; must stay valid until
 *	 ccmem_unregister_arch().
 *
 * Return: 0, -EINVAL for an unknown type or -EBUSY if one is registered.
 */
int ccmem_register_arch(const struct ccmem_arch_ops *ops)
{
	int ret = 0;

	if (!ops || !ops->vm_type || ops->vm_type >= ARRAY_SIZE(ccmem_archs))
		return -EINVAL;

	mutex_lock(&ccmem_vms_lock);
	if (ccmem_archs[ops->vm_type])
		ret = -EBUSY;
	else
		ccmem_archs[ops->vm_type] = ops;
	mutex_unlock(&ccmem_vms_lock);
	if (!ret)
		pr_info("%s VMs available\n", ops->name);
	return ret;
}
EXPORT_SYMBOL_GPL(ccmem_register_arch);

/**
 * ccmem_unregister_arch() - remove a VM type.
 * @ops: as passed to ccmem_register_arch().
 *
 * Called from the module's exit, which runs only once no VM holds the
 * module: no VM of the type can be left.
 */
void ccmem_unregister_arch(const struct ccmem_arch_ops *ops)
{
	struct ccmem_vm *vm;

	mutex_lock(&ccmem_vms_lock);
	list_for_each_entry(vm, &ccmem_vms, node)
		WARN_ON_ONCE(vm->arch == ops);
	if (ccmem_archs[ops->vm_type] == ops)
		ccmem_archs[ops->vm_type] = NULL;
	mutex_unlock(&ccmem_vms_lock);
}
EXPORT_SYMBOL_GPL(ccmem_unregister_arch);

/* The platform of a VM type, or NULL; called with ccmem_vms_lock held. */
const struct ccmem_arch_ops *ccmem_arch_get(u32 type)
{
	lockdep_assert_held(&ccmem_vms_lock);
	if (!type || type >= ARRAY_SIZE(ccmem_archs))
		return NULL;
	return ccmem_archs[type];
}

/**
 * ccmem_register_runner() - ccmem_guest.ko offers the emulated guest.
 * @ops: its operations.
 *
 * Return: 0, or -EBUSY when a runner is already registered.
 */
int ccmem_register_runner(const struct ccmem_runner_ops *ops)
{
	int ret = 0;

	mutex_lock(&ccmem_runner_lock);
	if (ccmem_runner)
		ret = -EBUSY;
	else
		ccmem_runner = ops;
	mutex_unlock(&ccmem_runner_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(ccmem_register_runner);

/**
 * ccmem_unregister_runner() - withdraw the emulated guest. VMs using it
 * hold a module reference, so none is left by the time this runs.
 * @ops: the operations passed to ccmem_register_runner().
 */
void ccmem_unregister_runner(const struct ccmem_runner_ops *ops)
{
	mutex_lock(&ccmem_runner_lock);
	if (ccmem_runner == ops)
		ccmem_runner = NULL;
	mutex_unlock(&ccmem_runner_lock);
}
EXPORT_SYMBOL_GPL(ccmem_unregister_runner);

/* The runner, with a module reference; or NULL. */
const struct ccmem_runner_ops *ccmem_runner_get(void)
{
	const struct ccmem_runner_ops *ops;

	mutex_lock(&ccmem_runner_lock);
	ops = ccmem_runner;
	if (ops && !try_module_get(ops->owner))
		ops = NULL;
	mutex_unlock(&ccmem_runner_lock);
	return ops;
}

/**
 * ccmem_vm_usable() - may memory operations run on this VM?
 * @vm: the VM, with vm->lock held.
 *
 * Return: true for a live VM with its platform module present.
 */
bool ccmem_vm_usable(struct ccmem_vm *vm)
{
	lockdep_assert_held(&vm->lock);
	return vm->state == CCMEM_VM_STATE_LIVE && vm->arch;
}
EXPORT_SYMBOL_GPL(ccmem_vm_usable);

/* Bit (1 << type) for every registered type that @pred accepts. */
static long ccmem_types_where(bool (*pred)(const struct ccmem_arch_ops *))
{
	long mask = 0;
	u32 t;

	mutex_lock(&ccmem_vms_lock);
	for (t = 1; t < ARRAY_SIZE(ccmem_archs); t++)
		if (ccmem_archs[t] && pred(ccmem_archs[t]))
			mask |= BIT(t);
	mutex_unlock(&ccmem_vms_lock);
	return mask;
}

static bool ccmem_any(const struct ccmem_arch_ops *ops)
{
	return true;
}

static bool ccmem_has_hw(const struct ccmem_arch_ops *ops)
{
	return ops->hw_usable && ops->hw_usable();
}

#ifdef CONFIG_CCMEM_EMU_ENABLED
static bool ccmem_has_emu(const struct ccmem_arch_ops *ops)
{
	return ops->emu_available && ops->emu_available();
}
#endif

/**
 * ccmem_check_extension() - CCMEM_CHECK_EXTENSION.
 * @vm: the VM asked, or NULL for /dev/ccmem.
 * @cap: CCMEM_CAP_*.
 *
 * Return: 0 when the capability is absent, else its value.
 */
long ccmem_check_extension(struct ccmem_vm *vm, unsigned long cap)
{
	switch (cap) {
	case CCMEM_CAP_VM_TYPES:
		return vm ? BIT(vm->type) : ccmem_types_where(ccmem_any);
	case CCMEM_CAP_HW_VM_TYPES:
		if (vm)
			return vm->backend == CCMEM_BACKEND_HW ? BIT(vm->type) : 0;
		return ccmem_types_where(ccmem_has_hw);
	case CCMEM_CAP_MAX_REGIONS:
		return CCMEM_MAX_REGIONS;
	case CCMEM_CAP_DELETE_REGION:
	case CCMEM_CAP_CONVERT_ERROR_GPA:
	case CCMEM_CAP_CONVERT_EXITS:
		return 1;
	case CCMEM_CAP_MAX_VCPUS:
		/* ccmem runs vCPUs only for VMs on the model. */
		return !vm || ccmem_vm_emu(vm) ? CCMEM_MAX_VCPUS : 0;
	case CCMEM_CAP_STATS:
		return 1;
	case CCMEM_CAP_MAX_PINS:
		return CCMEM_MAX_PINS;
	case CCMEM_CAP_FAULT_QUEUE:
		return CCMEM_MAX_FAULT_QUEUE;
#ifdef CONFIG_CCMEM_EMU_ENABLED
	case CCMEM_CAP_EMU:
		if (vm)
			return vm->emu ? BIT(vm->type) : 0;
		return ccmem_types_where(ccmem_has_emu);
	case CCMEM_CAP_EMU_GUEST: {
		const struct ccmem_runner_ops *r = ccmem_runner_get();

		if (!r)
			return 0;
		module_put(r->owner);
		return vm && !vm->emu ? 0 : 1;
	}
	case CCMEM_CAP_EMU_EMULATOR:
		/* A VM that has it says so with 2. */
		if (vm)
			return vm->emu ? 1 + READ_ONCE(vm->emulator) : 0;
		return !!ccmem_types_where(ccmem_has_emu);
#endif
	}
	return 0;
}

/**
 * ccmem_backend_param() - check a platform module's backend= parameter.
 * @param: its value: "auto", "hw" or "emu".
 * @hw_ok: the module's hardware backend works on this machine.
 *
 * Called at the module's load; says what is wrong.
 *
 * Return: 0, -EINVAL for an unknown value or emu in a build without the
 * model, -ENODEV for hw where the hardware backend does not work.
 */
int ccmem_backend_param(const char *param, bool hw_ok)
{
	if (strcmp(param, "auto") && strcmp(param, "hw") &&
	    strcmp(param, "emu")) {
		pr_err("backend=%s: must be auto, hw or emu\n", param);
		return -EINVAL;
	}
	if (!IS_ENABLED(CONFIG_CCMEM_EMU_ENABLED) && !strcmp(param, "emu")) {
		pr_err("backend=emu: built without CONFIG_CCMEM_EMU\n");
		return -EINVAL;
	}
	if (!strcmp(param, "hw") && !hw_ok) {
		pr_err("backend=hw requested but the hardware backend is not usable\n");
		return -ENODEV;
	}
	if (!IS_ENABLED(CONFIG_CCMEM_EMU_ENABLED) && !hw_ok) {
		pr_err("no usable hardware and built without CONFIG_CCMEM_EMU\n");
		return -ENODEV;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(ccmem_backend_param);

/**
 * ccmem_backend_pick() - the backend a new VM gets.
 * @param: the module's backend= parameter (checked at load).
 * @req: the CCMEM_BACKEND_* the VMM asked for (checked by the caller).
 * @hw_ok: the module's hardware backend works on this machine.
 *
 * CCMEM_BACKEND_AUTO follows @param; "auto" means the hardware where it
 * works, else the model.
 *
 * Return: CCMEM_BACKEND_HW, the model's backend, or -ENODEV when the
 * backend asked for is not there.
 */
int ccmem_backend_pick(const char *param, u32 req, bool hw_ok)
{
#ifdef CONFIG_CCMEM_EMU_ENABLED
	if (req == CCMEM_BACKEND_AUTO) {
		if (!strcmp(param, "hw"))
			req = CCMEM_BACKEND_HW;
		else if (!strcmp(param, "emu"))
			req = CCMEM_BACKEND_EMU;
		else
			req = hw_ok ? CCMEM_BACKEND_HW : CCMEM_BACKEND_EMU;
	}
	if (req == CCMEM_BACKEND_EMU)
		return CCMEM_BACKEND_EMU;
#endif
	return hw_ok ? CCMEM_BACKEND_HW : -ENODEV;
}
EXPORT_SYMBOL_GPL(ccmem_backend_pick);
