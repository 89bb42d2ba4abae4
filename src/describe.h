/*
 * describe.h - `kubectl describe` for the cloud's objects: a server (its
 * flavor, image, the RequestSpec Nova persisted, allocations, migrations)
 * and a host (inventory per resource class, traits, aggregates with their
 * metadata, AZ, cell, service state, servers).  Plain text lines, for the
 * UI's describe view and for tests.
 */
#ifndef NOVALID_DESCRIBE_H
#define NOVALID_DESCRIBE_H

#include "model.h"

void describe_server(const cloud *c, int sid, sbuf *out);
void describe_host(const cloud *c, int h, sbuf *out);

#endif
