/*
 * numa.h - instance NUMA topologies and PCI requests, and fitting them to
 * a host's NUMA cells and PCI device pools (nova/virt/hardware.py,
 * nova/pci/stats.py), in the simplified model of nova-model.md §5.4.
 *
 * Hosts declare cells and devices in the scenario.  What their servers
 * use is recomputed when the scheduler builds its host states: servers on
 * the host are fitted in scenario order, as Nova would have placed them.
 */
#ifndef NOVALID_NUMA_H
#define NOVALID_NUMA_H

#include "model.h"

#define NUMA_MAX_CELLS 8
#define PCI_MAX_REQUESTS 8

typedef struct numa_req {
    int n;                          /* instance NUMA cells; 0: no topology */
    int cpus[NUMA_MAX_CELLS];
    int64_t mem[NUMA_MAX_CELLS];
    bool dedicated;                 /* hw:cpu_policy=dedicated */
    bool require_smt;               /* hw:cpu_thread_policy=require */
    bool emulator_isolate;          /* +1 pinned CPU */
} numa_req;

typedef struct cell_usage {
    int cpu_used;                   /* shared CPUs used by NUMA instances */
    int pcpu_used;                  /* pinned CPUs used */
    int64_t mem_used;
} cell_usage;

/* The instance topology the flavor and image ask for; false with a
 * message when they are inconsistent (Nova refuses such a request). */
bool numa_request(const cloud *c, int fl, int img, numa_req *out, char *err, size_t errlen);

/* Fit `r` onto host h's cells given their usage; assign[i] gets the host
 * cell of instance cell i.  False and a reason naming the numbers if no
 * permutation of host cells fits. */
bool numa_fit(const cloud *c, int h, const cell_usage *u, const numa_req *r, int *assign,
              sbuf *why);

/* Add a fitted request to the usage. */
void numa_consume(cell_usage *u, const numa_req *r, const int *assign);

/* Usage of host h's cells by its servers (u has h's n_cells entries). */
void numa_host_usage(const cloud *c, int h, cell_usage *u);

typedef struct pci_req {
    char *alias;
    char *vendor_id, *product_id;
    int count;
} pci_req;

/* PCI requests of a flavor (pci_passthrough:alias=a1:2,a2:1 resolved via
 * [pci] alias); returns how many, -1 with a message on a bad alias. */
int pci_requests(const cloud *c, int fl, pci_req *out, int max, char *err, size_t errlen);
void pci_requests_free(pci_req *r, int n);

/* Free devices per pool of host h after its servers' requests. */
void pci_host_free(const cloud *c, int h, int *free_per_pool);

/* Do the pools' free devices satisfy the requests?  If `take`, consume. */
bool pci_fit(const cloud *c, int h, int *free_per_pool, const pci_req *r, int n, bool take,
             sbuf *why);

#endif
