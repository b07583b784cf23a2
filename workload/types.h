/* SPDX-License-Identifier: GPL-2.0-only */
/* The work types, one extern per type; the table is in registry.c and each
 * family lives in its own types_*.c file. */
#ifndef KTSTR__WORKLOAD_TYPES_H
#define KTSTR__WORKLOAD_TYPES_H

#include "workload/internal.h"

extern const struct wl_type wl_type_affinity_churn;
extern const struct wl_type wl_type_alu_hot;
extern const struct wl_type wl_type_asymmetric_waker;
extern const struct wl_type wl_type_bursty;
extern const struct wl_type wl_type_cache_pipe;
extern const struct wl_type wl_type_cache_pressure;
extern const struct wl_type wl_type_cache_yield;
extern const struct wl_type wl_type_cgroup_churn;
extern const struct wl_type wl_type_cross_affinity_churn;
extern const struct wl_type wl_type_epoll_storm;
extern const struct wl_type wl_type_fanout_compute;
extern const struct wl_type wl_type_fork_exit;
extern const struct wl_type wl_type_futex_fanout;
extern const struct wl_type wl_type_futex_pingpong;
extern const struct wl_type wl_type_idle_churn;
extern const struct wl_type wl_type_io_convoy;
extern const struct wl_type wl_type_io_rand_read;
extern const struct wl_type wl_type_io_sync_write;
extern const struct wl_type wl_type_ipc_variance;
extern const struct wl_type wl_type_mixed;
extern const struct wl_type wl_type_mutex_contention;
extern const struct wl_type wl_type_nice_sweep;
extern const struct wl_type wl_type_numa_migration_churn;
extern const struct wl_type wl_type_numa_working_set_sweep;
extern const struct wl_type wl_type_page_fault_churn;
extern const struct wl_type wl_type_pipe_io;
extern const struct wl_type wl_type_policy_churn;
extern const struct wl_type wl_type_preempt_storm;
extern const struct wl_type wl_type_priority_inversion;
extern const struct wl_type wl_type_producer_consumer_imbalance;
extern const struct wl_type wl_type_rt_starvation;
extern const struct wl_type wl_type_schbench;
extern const struct wl_type wl_type_sequence;
extern const struct wl_type wl_type_signal_storm;
extern const struct wl_type wl_type_smt_sibling_spin;
extern const struct wl_type wl_type_spin;
extern const struct wl_type wl_type_thundering_herd;
extern const struct wl_type wl_type_wake_chain;
extern const struct wl_type wl_type_yield_heavy;

#endif
