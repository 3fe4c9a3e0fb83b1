// SPDX-License-Identifier: GPL-2.0
/*
 * vconfig.c - feature negotiation and the config reader.
 *
 * The device's feature bits and config space are its word, not facts:
 * the driver takes only the features it implements, refuses a device
 * that does not go through the platform's DMA path, and reads config into
 * private memory under a stable generation before it checks any value.
 */
#include "../ga_compat.h"
#include "vring.h"

#define GV_CONFIG_MAX	4096

int gv_dev_init(struct gv_dev *d, const struct gv_ops *ops, void *priv,
		u32 config_size, u32 policy)
{
	if (!ops || config_size > GV_CONFIG_MAX ||
	    policy & ~GV_POLICY_CLAMP_USED_LEN)
		return -GA_EINVAL;
	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->priv = priv;
	d->config_size = config_size;
	d->policy = policy;
	return 0;
}

static int gv_fail_device(struct gv_dev *d, int err)
{
	d->ops->set_status(d->priv, GV_S_FAILED);
	d->features = 0;
	return err;
}

int gv_negotiate(struct gv_dev *d, u64 wanted)
{
	const u8 drv = GV_S_ACKNOWLEDGE | GV_S_DRIVER;
	u64 offered, features;
	u8 status;

	if (wanted & ~(GV_FEATURES_SUPPORTED | GV_FEATURES_DEVICE))
		return -GA_EINVAL;

	d->features = 0;
	d->live = false;
	d->ops->set_status(d->priv, 0);
	d->ops->set_status(d->priv, GV_S_ACKNOWLEDGE);
	d->ops->set_status(d->priv, drv);

	offered = d->ops->get_features(d->priv);
	if ((offered & GV_FEATURES_REQUIRED) != GV_FEATURES_REQUIRED)
		return gv_fail_device(d, -GA_ENOTSUPP);

	/* Only what the driver implements, whatever else is offered. */
	features = offered & (GV_FEATURES_REQUIRED | wanted);
	d->ops->set_features(d->priv, features);
	d->ops->set_status(d->priv, drv | GV_S_FEATURES_OK);

	status = d->ops->get_status(d->priv);
	if (!(status & GV_S_FEATURES_OK) ||
	    status & (GV_S_NEEDS_RESET | GV_S_FAILED))
		return gv_fail_device(d, -GA_ENOTSUPP);

	d->features = features;
	return 0;
}

int gv_dev_ready(struct gv_dev *d)
{
	if ((d->features & GV_FEATURES_REQUIRED) != GV_FEATURES_REQUIRED)
		return -GA_EINVAL;
	d->ops->set_status(d->priv, GV_S_ACKNOWLEDGE | GV_S_DRIVER |
			   GV_S_FEATURES_OK | GV_S_DRIVER_OK);
	d->live = true;
	return 0;
}

int gv_config_read(struct gv_dev *d, u32 off, void *buf, u32 len)
{
	u32 gen, again, tries;

	if (!len || off > d->config_size || len > d->config_size - off)
		return -GA_EINVAL;

	ga_atomic_add(&d->stat.config_reads, 1);
	for (tries = 0; tries < GV_CONFIG_RETRIES; tries++) {
		gen = d->ops->config_generation(d->priv);
		d->ops->config_read(d->priv, off, buf, len);
		again = d->ops->config_generation(d->priv);
		if (gen == again)
			return 0;
		ga_atomic_add(&d->stat.config_retries, 1);
	}
	/* Do not hand out a torn value. */
	memset(buf, 0, len);
	ga_atomic_add(&d->stat.config_unstable, 1);
	return -GA_EIO;
}

int gv_config_uint(struct gv_dev *d, u32 off, u32 size, u64 min, u64 max,
		   u64 *val)
{
	u64 v = 0;
	int ret;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -GA_EINVAL;
	if (min > max)
		return -GA_EINVAL;
	/* Little endian: the low bytes of v are the field. */
	ret = gv_config_read(d, off, &v, size);
	if (ret)
		return ret;
	if (v < min || v > max) {
		ga_atomic_add(&d->stat.config_invalid, 1);
		return -GA_EIO;
	}
	*val = v;
	return 0;
}
