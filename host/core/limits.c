// SPDX-License-Identifier: GPL-2.0
/*
 * limits.c - what one user may make ccmem allocate.
 *
 * Most of what a VMM makes the kernel allocate is charged to its memory
 * cgroup (GFP_KERNEL_ACCOUNT; vCPU threads run with the VMM's memcg
 * active) or to its locked-memory limit (pins). Two things are neither:
 *
 *  - vCPU threads are kernel threads, so the pids cgroup and RLIMIT_NPROC
 *    do not see them;
 *  - platform keys (the memory-encryption key of each VM) are a small
 *    machine-wide pool.
 *
 * Those are counted per user (uid) here and capped: a user may have at
 * most max_vcpus_per_user vCPUs (-EAGAIN beyond, as fork() says), and at
 * most the share of a key pool its platform module allows (-EDQUOT).
 * The cap on attribute ranges per VM (max_attr_ranges) lives here too.
 */
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>

#include "ccmem_core.h"

unsigned int ccmem_max_vcpus_per_user = 1024;
module_param_named(max_vcpus_per_user, ccmem_max_vcpus_per_user, uint, 0644);
MODULE_PARM_DESC(max_vcpus_per_user,
		 "vCPU threads one user may have (default 1024)");

unsigned int ccmem_max_attr_ranges = 1U << 20;
module_param_named(max_attr_ranges, ccmem_max_attr_ranges, uint, 0644);
MODULE_PARM_DESC(max_attr_ranges,
		 "private ranges one VM may keep (default 1048576, 40 bytes each)");

/* The counts of one user; freed when they drop back to zero. */
struct ccmem_user {
	u32 count[CCMEM_NR_LIMITS];
};

static DEFINE_MUTEX(ccmem_users_lock);	/* ccmem_users and the counts */
static DEFINE_XARRAY(ccmem_users);	/* uid -> struct ccmem_user */

/**
 * ccmem_limit_charge() - count one more @what for @uid, within @max.
 * @uid: the user.
 * @what: CCMEM_LIMIT_*.
 * @max: the user's cap.
 *
 * Return: 0, @what's errno when the user is at the cap (-EAGAIN for
 * vCPUs, -EDQUOT for keys), or -ENOMEM.
 */
int ccmem_limit_charge(kuid_t uid, enum ccmem_limit what, u32 max)
{
	unsigned long key = __kuid_val(uid);
	struct ccmem_user *u;
	int ret = 0;

	mutex_lock(&ccmem_users_lock);
	u = xa_load(&ccmem_users, key);
	if (!u) {
		u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
		if (!u || xa_err(xa_store(&ccmem_users, key, u, GFP_KERNEL))) {
			kfree(u);
			ret = -ENOMEM;
			goto out;
		}
	}
	if (u->count[what] >= max)
		ret = what == CCMEM_LIMIT_VCPUS ? -EAGAIN : -EDQUOT;
	else
		u->count[what]++;
	if (ret && mem_is_zero(u->count, sizeof(u->count)))
		kfree(xa_erase(&ccmem_users, key));
out:
	mutex_unlock(&ccmem_users_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(ccmem_limit_charge);

/**
 * ccmem_limit_uncharge() - undo one ccmem_limit_charge().
 * @uid: the user.
 * @what: CCMEM_LIMIT_*.
 */
void ccmem_limit_uncharge(kuid_t uid, enum ccmem_limit what)
{
	unsigned long key = __kuid_val(uid);
	struct ccmem_user *u;

	mutex_lock(&ccmem_users_lock);
	u = xa_load(&ccmem_users, key);
	if (!WARN_ON_ONCE(!u || !u->count[what])) {
		u->count[what]--;
		if (mem_is_zero(u->count, sizeof(u->count)))
			kfree(xa_erase(&ccmem_users, key));
	}
	mutex_unlock(&ccmem_users_lock);
}
EXPORT_SYMBOL_GPL(ccmem_limit_uncharge);

void ccmem_limits_exit(void)
{
	/* Every VM and vCPU is gone by module exit: so is every count. */
	WARN_ON_ONCE(!xa_empty(&ccmem_users));
	xa_destroy(&ccmem_users);
}
