/*
 * retailfuse.h — everything public in retailfuse: include this one header.
 *
 * retailfuse decides who took what in a cashier-less store by fusing shelf weight changes with
 * camera hand visits. What a header does not declare is not API.
 */
#ifndef RETAILFUSE_H
#define RETAILFUSE_H

#include "common.h"
#include "version.h"
#include "status.h"
#include "allocator.h"
#include "store.h"
#include "record.h"
#include "scenario.h"
#include "journal.h"
#include "wire.h"
#include "service.h"
#include "check.h"
#include "assign.h"
#include "sim.h"
#include "camera.h"
#include "capture.h"
#include "eval.h"
#include "greedy.h"
#include "loadcell.h"
#include "engine.h"
#include "host.h"

#endif /* RETAILFUSE_H */
