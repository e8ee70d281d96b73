/* Userspace view of the shared kernel/user contract, with the layout checks
 * that decoding relies on. */
#ifndef ST_SOCKET_TRACER_ABI_H
#define ST_SOCKET_TRACER_ABI_H

#include <linux/types.h>
#include <stddef.h>

#include "socket_tracer.h"

_Static_assert(sizeof(struct st_event_header) == 40, "st_event_header layout");
_Static_assert(offsetof(struct st_event_header, ts_ns) == 16, "st_event_header.ts_ns");
_Static_assert(sizeof(struct st_conn_event) == 40 + 56 + ST_ADDR_MAX, "st_conn_event layout");
_Static_assert(offsetof(struct st_conn_event, addr) == 96, "st_conn_event.addr");
_Static_assert(offsetof(struct st_data_event, data) == 40 + 64 + ST_ADDR_MAX,
	       "st_data_event.data");
_Static_assert(offsetof(struct st_data_event, delivered) == 56, "st_data_event.delivered");
_Static_assert(sizeof(struct st_sock) == 40, "st_sock layout");
_Static_assert(sizeof(struct st_exit_event) == sizeof(struct st_event_header),
	       "st_exit_event layout");
_Static_assert(sizeof(struct st_comm_key) == ST_COMM_LEN, "st_comm_key layout");
_Static_assert((ST_DATA_MAX & (ST_DATA_MAX - 1)) == 0, "ST_DATA_MAX power of two");

/* Bytes of a data event before its payload. */
#define ST_DATA_EVENT_HEADER_SIZE offsetof(struct st_data_event, data)

#endif
