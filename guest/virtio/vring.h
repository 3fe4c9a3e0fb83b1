/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vring.h - the hardened split-virtqueue core of a confidential guest:
 * feature negotiation, the config reader, the ring driver and the bounce
 * pool, in the guest core's portable C.
 *
 * The device (the host's VMM) is not trusted. The ring and the bounce pool
 * live in shared memory, which the host may change at any time; everything
 * the driver relies on lives in private memory:
 *
 *   - descriptors are built in a private shadow and written to the shared
 *     table; the driver never reads a descriptor back;
 *   - the free list, the avail index and all per-request state are private;
 *   - the used index and each used entry are copied once into private
 *     variables and checked there, never re-read;
 *   - config space is read into a private buffer under a stable generation
 *     and range-checked before use;
 *   - device I/O goes through bounce slots; every slot handle and length
 *     is checked against the pool's private bookkeeping.
 *
 * A device that breaks the protocol gets the queue marked broken (it stays
 * broken), the device reset through the transport when it allows it, and
 * -GA_EIO for the request concerned. Nothing outside the ring and the pool
 * is ever written on the device's word. See guest/virtio/README and
 * Documentation/virtio.rst.
 *
 * Byte order: virtio 1.x rings are little endian, as are the guests this
 * core serves (x86-64 SNP and TDX), so fields are used as they are.
 */
#ifndef CCMEM_GUEST_VIRTIO_VRING_H
#define CCMEM_GUEST_VIRTIO_VRING_H

#include "../ga.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "guest/virtio assumes a little-endian guest"
#endif

/* Feature bits (virtio 1.x, "Reserved Feature Bits"). */
#define GV_F_INDIRECT_DESC	28
#define GV_F_EVENT_IDX		29
#define GV_F_VERSION_1		32
#define GV_F_ACCESS_PLATFORM	33
#define GV_F_RING_PACKED	34

/* What a device must offer, and all the driver implements. */
#define GV_FEATURES_REQUIRED	(BIT_ULL(GV_F_VERSION_1) | \
				 BIT_ULL(GV_F_ACCESS_PLATFORM))
#define GV_FEATURES_SUPPORTED	GV_FEATURES_REQUIRED
/* Device-type bits 0-23: a device driver asks for those it implements. */
#define GV_FEATURES_DEVICE	(BIT_ULL(24) - 1)

/* Device status bits. */
#define GV_S_ACKNOWLEDGE	1
#define GV_S_DRIVER		2
#define GV_S_DRIVER_OK		4
#define GV_S_FEATURES_OK	8
#define GV_S_NEEDS_RESET	64
#define GV_S_FAILED		128

/* Descriptor flags. */
#define GV_DESC_F_NEXT		1
#define GV_DESC_F_WRITE		2
#define GV_DESC_F_INDIRECT	4

/* The largest split queue (the spec's limit). */
#define GV_MAX_QUEUE		32768

/* Times gv_config_read() re-reads before it gives up. */
#define GV_CONFIG_RETRIES	8

/* Device policy flags (gv_dev.policy). */
#define GV_POLICY_CLAMP_USED_LEN 1	/* clamp an overlong used length */

/* Why a queue is broken (gv_vring.broken). */
#define GV_BROKEN_NONE		0
#define GV_BROKEN_IDX_JUMP	1	/* used index beyond what is in flight */
#define GV_BROKEN_BAD_ID	2	/* used id out of range or not in flight */
#define GV_BROKEN_BAD_LEN	3	/* used length beyond what was offered */
#define GV_BROKEN_STALLED	4	/* no completion within the watchdog */
#define GV_BROKEN_DEVICE_RESET	5	/* the device reset itself */

/* The shared ring layout (virtio 1.x, 2.7 "Split Virtqueues"). */
struct gv_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct gv_used_elem {
	u32 id;
	u32 len;
};

/**
 * struct gv_ops - what the environment provides to the virtio core.
 *
 * Every operation gets gv_dev.priv (or gv_bounce.priv).
 *
 * @get_features: the device's 64 feature bits.
 * @set_features: write the driver's feature bits.
 * @get_status:	read the device status.
 * @set_status:	write the device status (0 resets the device).
 * @config_generation: the config generation counter.
 * @config_read: copy @len bytes of device config at @off into @buf
 *		(private memory); @off + @len is within gv_dev.config_size.
 * @notify:	kick queue @qid.
 * @reset:	optional (NULL when the device does not allow it): reset the
 *		device through the transport after it broke a queue; 0 when
 *		the device stopped and will touch no buffer any more.
 * @mem_alloc:	@bytes (a multiple of 4 KiB) of private, page-aligned memory
 *		for the bounce pool; its device address in @dev_addr. NULL when
 *		there is none.
 * @mem_free:	give memory of @mem_alloc back (private again).
 * @set_shared:	convert [@va, @va + @bytes) to shared (@shared) or back to
 *		private; 0 or a negative GA_E* code, after which the state of
 *		the memory is unknown and the pool leaks it.
 * @lock:	take the lock of bounce area @area (a vCPU's). The pool calls
 *		no other operation with it held.
 * @unlock:	release it.
 */
struct gv_ops {
	u64 (*get_features)(void *priv);
	void (*set_features)(void *priv, u64 features);
	u8 (*get_status)(void *priv);
	void (*set_status)(void *priv, u8 status);
	u32 (*config_generation)(void *priv);
	void (*config_read)(void *priv, u32 off, void *buf, u32 len);
	void (*notify)(void *priv, u16 qid);
	int (*reset)(void *priv);
	void *(*mem_alloc)(void *priv, u32 bytes, u64 *dev_addr);
	void (*mem_free)(void *priv, void *va, u32 bytes);
	int (*set_shared)(void *priv, void *va, u32 bytes, bool shared);
	void (*lock)(void *priv, u32 area);
	void (*unlock)(void *priv, u32 area);
};

/* Device statistics (gv_dev.stat). */
struct gv_dev_stats {
	u64 config_reads;
	u64 config_retries;	/* re-reads after a generation change */
	u64 config_unstable;	/* reads that gave up */
	u64 config_invalid;	/* values out of their range */
	u64 resets;		/* resets through the transport */
};

/**
 * struct gv_dev - one virtio device.
 * @ops:	environment operations.
 * @priv:	their data.
 * @features:	the negotiated features (after gv_negotiate()).
 * @config_size: bytes of device config space the transport exposes.
 * @policy:	GV_POLICY_* for this device.
 * @live:	the driver set DRIVER_OK (gv_dev_ready()).
 * @stat:	statistics.
 */
struct gv_dev {
	const struct gv_ops *ops;
	void *priv;
	u64 features;
	u32 config_size;
	u32 policy;
	bool live;
	struct gv_dev_stats stat;
};

/**
 * gv_dev_init() - set up a device.
 * @d: the device.
 * @ops: environment operations.
 * @priv: their data.
 * @config_size: size of its config space (at most 4096).
 * @policy: GV_POLICY_* flags.
 *
 * Return: 0 or -GA_EINVAL.
 */
int gv_dev_init(struct gv_dev *d, const struct gv_ops *ops, void *priv,
		u32 config_size, u32 policy);

/**
 * gv_negotiate() - reset the device and negotiate features.
 * @d: the device.
 * @wanted: optional features the caller wants: device-type bits
 *	(GV_FEATURES_DEVICE) its driver implements, and nothing outside
 *	GV_FEATURES_SUPPORTED of the transport and ring bits.
 *
 * The device must offer GV_FEATURES_REQUIRED (VERSION_1 and
 * ACCESS_PLATFORM: a device that bypasses the platform's DMA path would
 * read private memory). The driver accepts only what it implements, so
 * indirect descriptors, the packed ring and event indices are never
 * negotiated, whatever the device offers. On success the status is
 * ACKNOWLEDGE | DRIVER | FEATURES_OK and @d->features is set; on failure
 * the status is FAILED.
 *
 * Return: 0, -GA_EINVAL (@wanted), -GA_ENOTSUPP (the device lacks a
 * required feature or refused FEATURES_OK).
 */
int gv_negotiate(struct gv_dev *d, u64 wanted);

/**
 * gv_dev_ready() - set DRIVER_OK once the queues are set up.
 * @d: the device, after gv_negotiate().
 *
 * From now on gv_vring_watchdog() treats a status without DRIVER_OK, or
 * with NEEDS_RESET, as a device that reset itself.
 *
 * Return: 0 or -GA_EINVAL (features not negotiated).
 */
int gv_dev_ready(struct gv_dev *d);

/**
 * gv_config_read() - read device config under a stable generation.
 * @d: the device.
 * @off: offset in config space.
 * @buf: private buffer.
 * @len: bytes.
 *
 * Reads the generation, the bytes, and the generation again, and repeats
 * (at most GV_CONFIG_RETRIES times) until both generations agree.
 *
 * Return: 0, -GA_EINVAL (outside config space), -GA_EIO (never stable).
 */
int gv_config_read(struct gv_dev *d, u32 off, void *buf, u32 len);

/**
 * gv_config_uint() - read and check one config field.
 * @d: the device.
 * @off: offset.
 * @size: 1, 2, 4 or 8 bytes.
 * @min: smallest valid value.
 * @max: largest valid value.
 * @val: out: the value, set only when it is valid.
 *
 * Return: 0, -GA_EINVAL, -GA_EIO (unstable, or out of [@min, @max]).
 */
int gv_config_uint(struct gv_dev *d, u32 off, u32 size, u64 min, u64 max,
		   u64 *val);

/**
 * struct gv_buf - one buffer of a request, as the device sees it.
 * @addr: device address (a bounce slot's).
 * @len: bytes (at least 1).
 */
struct gv_buf {
	u64 addr;
	u32 len;
};

/* Per-request state, private, indexed by the chain's head descriptor. */
struct gv_req {
	void *token;
	u32 in_len;		/* device-writable bytes offered */
	u16 ndesc;
	bool inflight;
};

/* Queue statistics (gv_vring.stat). */
struct gv_vring_stats {
	u64 added;
	u64 completed;
	u64 notifies;
	u64 len_clamped;	/* overlong lengths clamped by policy */
	u64 bad_entries;	/* used entries that broke the queue */
	u64 detached;		/* requests failed after the queue broke */
};

/**
 * struct gv_vring - one split virtqueue; private memory.
 * @dev:	its device.
 * @qid:	queue index, for notify.
 * @num:	entries (a power of two, at most GV_MAX_QUEUE).
 * @desc:	shared: the descriptor table, written only.
 * @avail_idx_p: shared: the avail ring's idx, written only.
 * @avail_ring: shared: the avail ring, written only.
 * @used_idx_p: shared: the used ring's idx, read once per poll.
 * @used_ring: shared: the used ring, each entry read once.
 * @shadow:	private copy of every descriptor; the free list is chained
 *		through its @next fields.
 * @req:	private per-request state.
 * @free_head:	first free descriptor.
 * @nr_free:	free descriptors.
 * @avail_idx:	the driver's avail index.
 * @last_used:	the used index consumed so far.
 * @nr_inflight: requests the device holds.
 * @broken:	GV_BROKEN_* once the device broke the queue; stays set.
 * @reset_ok:	the device was reset after breaking the queue, so buffers
 *		of the requests it held may be reused.
 * @wd_completed: @stat.completed at the last watchdog tick.
 * @wd_ticks:	watchdog ticks without progress.
 * @stall_ticks: ticks without progress that break the queue (0: never).
 * @detach_pos:	where gv_vring_detach() looks next.
 * @stat:	statistics.
 *
 * The caller serializes all calls on one queue (as Linux's virtqueue
 * functions); there is no lock inside.
 */
struct gv_vring {
	struct gv_dev *dev;
	u16 qid;
	u32 num;
	struct gv_desc *desc;
	u16 *avail_idx_p;
	u16 *avail_ring;
	u16 *used_idx_p;
	struct gv_used_elem *used_ring;
	struct gv_desc *shadow;
	struct gv_req *req;
	u16 free_head;
	u32 nr_free;
	u16 avail_idx;
	u16 last_used;
	u32 nr_inflight;
	u32 broken;
	bool reset_ok;
	u64 wd_completed;
	u32 wd_ticks;
	u32 stall_ticks;
	u32 detach_pos;
	struct gv_vring_stats stat;
};

/**
 * gv_vring_shared_bytes() - shared memory a ring of @num entries needs
 * (descriptor table, avail ring, used ring; 16-byte aligned base).
 */
u64 gv_vring_shared_bytes(u32 num);

/**
 * gv_vring_priv_bytes() - private memory for the ring's shadow and
 * per-request state (8-byte aligned).
 */
u64 gv_vring_priv_bytes(u32 num);

/**
 * gv_vring_dev_addrs() - where the device finds the three parts of a ring
 * of @num entries whose shared memory starts at device address @base.
 * @num: entries.
 * @base: device address of the memory given to gv_vring_init().
 * @desc: out: the descriptor table.
 * @avail: out: the avail ring (the "driver area").
 * @used: out: the used ring (the "device area").
 */
void gv_vring_dev_addrs(u32 num, u64 base, u64 *desc, u64 *avail, u64 *used);

/**
 * gv_vring_init() - set up a queue over shared and private memory.
 * @vq: the queue.
 * @dev: its device, after gv_negotiate().
 * @qid: queue index.
 * @num: entries, a power of two up to GV_MAX_QUEUE.
 * @shared: gv_vring_shared_bytes() of shared memory, 16-byte aligned; the
 *	driver zeroes it.
 * @priv_mem: gv_vring_priv_bytes() of private memory.
 *
 * Return: 0, -GA_EINVAL, -GA_ENOTSUPP (features not negotiated).
 */
int gv_vring_init(struct gv_vring *vq, struct gv_dev *dev, u16 qid, u32 num,
		  void *shared, void *priv_mem);

/**
 * gv_vring_add() - make a request available to the device.
 * @vq: the queue.
 * @bufs: @n_out device-readable buffers, then @n_in device-writable ones.
 * @n_out: readable buffers.
 * @n_in: writable buffers.
 * @token: the caller's request, not NULL; returned on completion.
 *
 * Descriptors are built privately and written to the shared table; the
 * avail index is published last.
 *
 * Return: 0, -GA_EINVAL, -GA_ENOMEM (not enough free descriptors),
 * -GA_EIO (the queue is broken).
 */
int gv_vring_add(struct gv_vring *vq, const struct gv_buf *bufs, u32 n_out,
		 u32 n_in, void *token);

/**
 * gv_vring_kick() - notify the device of new requests.
 * @vq: the queue.
 */
void gv_vring_kick(struct gv_vring *vq);

/**
 * gv_vring_get_used() - take one completed request.
 * @vq: the queue.
 * @len: out: bytes the device wrote, at most what the request offered.
 * @token: out: the request, or NULL.
 *
 * The used index and the entry are copied once and checked: the index
 * moves forward by at most the requests in flight (so at most @vq->num),
 * the id names a request in flight, the length is at most what it
 * offered (or clamped with GV_POLICY_CLAMP_USED_LEN). A failed check
 * breaks the queue and resets the device when the transport allows.
 *
 * Return: 1 and a request in @token; 0 when nothing is complete;
 * -GA_EIO when the queue is (or just became) broken, with @token the
 * request the bad entry named when it named one in flight (it will not be
 * returned again), else NULL.
 */
int gv_vring_get_used(struct gv_vring *vq, u32 *len, void **token);

/**
 * gv_vring_watchdog() - a periodic check of a queue.
 * @vq: the queue.
 *
 * Breaks the queue when the device reset itself (after gv_dev_ready(),
 * its status lost DRIVER_OK or says NEEDS_RESET) or when requests were in flight for
 * @vq->stall_ticks calls in a row without a completion (a device that
 * withholds them).
 *
 * Return: 0 or -GA_EIO (broken).
 */
int gv_vring_watchdog(struct gv_vring *vq);

/**
 * gv_vring_detach() - take back a request the device still holds.
 * @vq: the queue, broken (or its device reset by the caller).
 *
 * The caller fails each request with -GA_EIO. Its buffers may be reused
 * only when @vq->reset_ok (or the caller reset the device); otherwise a
 * device may still write them, and they are leaked.
 *
 * Return: the token, or NULL when none is left.
 */
void *gv_vring_detach(struct gv_vring *vq);

/* The most areas (vCPUs) and chunks per area of a bounce pool. */
#define GV_BOUNCE_MAX_AREAS	256
#define GV_BOUNCE_MAX_CHUNKS	32

/* The most slots of a chunk (one bitmap word). */
#define GV_BOUNCE_CHUNK_SLOTS	64

/*
 * One chunk of shared memory, split into slots. The chunk's memory is
 * shared; this bookkeeping is private.
 */
struct gv_bounce_chunk {
	u8 *va;			/* NULL: not present */
	u64 dev_addr;
	u64 busy;		/* bit s: slot s in use */
	/*
	 * Bytes from the start of slot s that may hold data while it is in
	 * use: what it was taken for (gv_bounce_get_for()), raised by every
	 * gv_bounce_write(). gv_bounce_put() zeroes exactly these; beyond
	 * them the slot is still zero unless the device wrote outside what
	 * it was offered. Never set from anything the device wrote.
	 */
	u32 extent[GV_BOUNCE_CHUNK_SLOTS];
};

/**
 * struct gv_bounce_area - the bounce memory of one vCPU.
 * @chunk:	the chunks; present ones have a va.
 * @nr_chunks:	chunks present.
 * @growing:	bit c: chunk c is being added (the lock is dropped meanwhile).
 *
 * Everything here is under the area's lock (gv_ops.lock).
 */
struct gv_bounce_area {
	struct gv_bounce_chunk chunk[GV_BOUNCE_MAX_CHUNKS];
	u32 nr_chunks;
	u32 growing;
};

/* Bounce statistics (gv_bounce.stat); atomic. */
struct gv_bounce_stats {
	u64 in_use;		/* slots in use now */
	u64 high_water;		/* most slots in use at once */
	u64 grows;		/* chunks added on demand */
	u64 shrinks;		/* chunks given back */
	u64 failures;		/* gv_bounce_get() found nothing */
	u64 leaked;		/* chunks whose conversion failed */
	u64 bad_handles;	/* handles or lengths refused */
};

/**
 * struct gv_bslot - a bounce slot handle; checked on every use.
 * @area: area index.
 * @chunk: chunk index.
 * @slot: slot index.
 */
struct gv_bslot {
	u16 area;
	u8 chunk;
	u8 slot;
};

/**
 * struct gv_bounce - the bounce pool.
 * @ops:	environment operations (mem_*, set_shared, lock, unlock).
 * @priv:	their data.
 * @area:	@nr_areas areas (caller memory).
 * @nr_areas:	areas, one per vCPU.
 * @slot_bytes:	bytes per slot (a power of two of at least 64).
 * @chunk_bytes: bytes per chunk (a multiple of 4 KiB, at most
 *		GV_BOUNCE_CHUNK_SLOTS slots).
 * @slots_per_chunk: @chunk_bytes / @slot_bytes.
 * @min_chunks:	chunks per area converted at setup and kept on shrink.
 * @max_chunks:	the limit of chunks in the whole pool.
 * @nr_chunks:	chunks present or being added (atomic).
 * @stat:	statistics.
 */
struct gv_bounce {
	const struct gv_ops *ops;
	void *priv;
	struct gv_bounce_area *area;
	u32 nr_areas;
	u32 slot_bytes;
	u32 chunk_bytes;
	u32 slots_per_chunk;
	u32 min_chunks;
	u32 max_chunks;
	u64 nr_chunks;
	/*
	 * Every get and put of every vCPU writes @stat; 64 bytes keep it
	 * off the cache line of the fields above, which every call reads.
	 */
	u8 pad[64];
	struct gv_bounce_stats stat;
};

/**
 * gv_bounce_init() - set up a pool and convert its first chunks.
 * @p: the pool.
 * @ops: environment operations.
 * @priv: their data.
 * @area: @nr_areas areas.
 * @nr_areas: 1..GV_BOUNCE_MAX_AREAS.
 * @slot_bytes: slot size, a power of two of at least 64.
 * @chunk_bytes: chunk size, a multiple of 4 KiB of at most 64 slots.
 * @min_chunks: chunks per area made at once and kept.
 * @max_chunks: pool limit, at least @nr_areas * @min_chunks.
 *
 * Return: 0, -GA_EINVAL, -GA_ENOMEM (memory or a conversion failed).
 */
int gv_bounce_init(struct gv_bounce *p, const struct gv_ops *ops, void *priv,
		   struct gv_bounce_area *area, u32 nr_areas, u32 slot_bytes,
		   u32 chunk_bytes, u32 min_chunks, u32 max_chunks);

/**
 * gv_bounce_get() - take a slot of vCPU @cpu's area.
 * @p: the pool.
 * @cpu: the vCPU (any value: it picks area @cpu % nr_areas).
 * @s: out: the slot.
 * @dev_addr: out: its device address.
 *
 * Grows the area by one chunk (converted to shared) when it is full and
 * the pool is under its limit. The device may be offered the whole slot
 * to write: gv_bounce_put() scrubs all of it. gv_bounce_get_for() says
 * how much, so that put scrubs no more than the slot may hold.
 *
 * Return: 0 or -GA_ENOMEM (counted in failures).
 */
int gv_bounce_get(struct gv_bounce *p, u32 cpu, struct gv_bslot *s,
		  u64 *dev_addr);

/**
 * gv_bounce_get_for() - take a slot for a buffer of which the device may
 * write only the first @dev_bytes.
 * @p: the pool.
 * @cpu: the vCPU (area @cpu % nr_areas).
 * @dev_bytes: bytes offered device-writable, from the slot's start: 0 for
 *	a device-readable buffer, at most slot_bytes.
 * @s: out: the slot.
 * @dev_addr: out: its device address.
 *
 * The slot's extent (private) starts at @dev_bytes and grows with each
 * gv_bounce_write(); gv_bounce_read() reads within it and gv_bounce_put()
 * zeroes all of it. The caller must not offer the device more than
 * @dev_bytes of the slot to write.
 *
 * Return: 0, -GA_EINVAL (@dev_bytes beyond a slot), -GA_ENOMEM (counted
 * in failures).
 */
int gv_bounce_get_for(struct gv_bounce *p, u32 cpu, u32 dev_bytes,
		      struct gv_bslot *s, u64 *dev_addr);

/**
 * gv_bounce_write() - copy @len bytes from private @src into slot @s.
 * Return: 0 or -GA_EINVAL (bad handle, slot not in use, @len too long).
 */
int gv_bounce_write(struct gv_bounce *p, struct gv_bslot s, const void *src,
		    u32 len);

/**
 * gv_bounce_read() - copy @len bytes of slot @s once into private @dst.
 * @len comes from the device (a used length): it is checked again here,
 * against the slot and its extent (what it was offered or written).
 * Return: 0 or -GA_EINVAL (bad handle, slot not in use, @len too long).
 */
int gv_bounce_read(struct gv_bounce *p, struct gv_bslot s, void *dst,
		   u32 len);

/**
 * gv_bounce_put() - scrub slot @s (its extent) and give it back.
 * Return: 0 or -GA_EINVAL (bad handle or a slot not in use).
 */
int gv_bounce_put(struct gv_bounce *p, struct gv_bslot s);

/**
 * gv_bounce_shrink() - give back every idle chunk beyond each area's
 * min_chunks: scrubbed, converted to private, freed.
 * Return: chunks given back.
 */
u32 gv_bounce_shrink(struct gv_bounce *p);

/**
 * gv_bounce_destroy() - give back every chunk; no slot may be in use
 * (chunks with slots in use are leaked).
 */
void gv_bounce_destroy(struct gv_bounce *p);

#endif /* CCMEM_GUEST_VIRTIO_VRING_H */
