/* SPDX-License-Identifier: GPL-2.0 */
/*
 * demo.h - what the acts of ccmem-demo share: narration and failure.
 */
#ifndef CCMEM_TOOLS_DEMO_H
#define CCMEM_TOOLS_DEMO_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Any surprise ends the demo: the message goes to stderr, exit status 1. */
#define demo_fail(fmt, ...)						\
	do {								\
		fflush(stdout);						\
		fprintf(stderr, "demo: FAILED: " fmt "\n", ##__VA_ARGS__);	\
		exit(1);						\
	} while (0)

/* One line of narration. */
#define demo_say(fmt, ...)	printf("  " fmt "\n", ##__VA_ARGS__)

void demo_step(const char *title);

/* demo_guest.c */
struct ccmem_guest;
void demo_guest_act(void);
uint64_t demo_guest_stat(struct ccmem_guest *g, const char *name);

/* demo_virtio.c */
void demo_virtio_act(void);

#endif /* CCMEM_TOOLS_DEMO_H */
