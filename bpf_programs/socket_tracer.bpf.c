/*
 * socket-tracer's BPF program, compiled at startup by libbcc.
 *
 * Attached to stable tracepoints: the syscalls' exits (and close's entry),
 * and sock:sock_send_length / sock_recv_length, which fire inside every
 * socket send and receive; and to uprobes on TLS libraries' read and write
 * functions, for the plaintext (userspace attaches those per file). Every input is a tracepoint argument, the
 * current syscall's user registers, or user memory, never a
 * kernel-internal struct, so the program does not depend on the kernel
 * headers' version. The BPF side captures, filters and counts; all parsing
 * is in userspace.
 *
 * Compile-time switches (set by userspace with -D):
 *   ST_FILTER_PID   select tgids t for which ST_PID_SELECTED(t) holds (a
 *                   comparison userspace builds from the -p list)
 *   ST_FOLLOW_FORKS with ST_FILTER_PID: also the processes a selected one
 *                   forks (map pid_children)
 *   ST_FILTER_COMM  select comms in map filter_comms; with ST_FILTER_PID a
 *                   process either selects is traced (the union)
 *   ST_SELECT_TYPES only sockets of these kinds (bits of ST_SELECT_TCP,
 *                   _UDP, _UNIX), as far as the socket's entry knows it
 *   ST_DATA_SIZE    payload bytes captured per data event (<= ST_DATA_MAX)
 *   ST_NR_CPUS      possible CPUs (rows of the data scratch array)
 *   ST_RING_BUFFER  events through one BPF ring buffer of ST_RING_PAGES
 *                   pages (a power of two) instead of per-CPU perf buffers
 *   ST_RING_WAKEUP_EVENTS  with ST_RING_BUFFER: events of one CPU per
 *                   reader wakeup (default 64)
 *   ST_NO_DATA      count the bytes of every socket, emit no data events
 *   ST_NO_TLS       no TLS capture (--no-tls): no exec events for it
 */
#ifndef SOCKET_TRACER_H
#include "socket_tracer.h" /* the build prepends it; this serves editors */
#endif

/* Stable kernel ABI values. Spelled out rather than taken from
 * <linux/socket.h> and <linux/net.h>: parsing those headers doubles the
 * compile time at every start. */
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_SEQPACKET 5
#define MSG_PEEK 0x2
#define MSG_TRUNC 0x20
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

#ifndef ST_DATA_SIZE
#define ST_DATA_SIZE 4096
#endif
#ifndef ST_NR_CPUS
#define ST_NR_CPUS 256
#endif
#define ST_SOCK_TYPE_MASK 0xf /* strips SOCK_NONBLOCK / SOCK_CLOEXEC */
#define ST_EAGAIN 11
#define ST_EBADF 9
#define ST_ENOTSOCK 88
#define ST_EINPROGRESS 115
#define ST_ENOSPC 28
/* Kernel-internal: a syscall interrupted by a signal, to be restarted or
 * turned into EINTR after the exit tracepoint has seen it (ERESTARTSYS,
 * ERESTARTNOINTR, ERESTARTNOHAND, ERESTART_RESTARTBLOCK). */
#define ST_ERESTARTSYS 512
#define ST_ERESTART_RESTARTBLOCK 516

/* Hides a value's known range from clang, so that the bound checks after it
 * stay in the code for the verifier to see. */
#define BOUNDS_OPAQUE(var) asm volatile("" : "+r"(var))

/* Layout of every syscalls:sys_enter_* tracepoint (see its format file). */
struct syscall_enter_ctx {
	__u64 common;
	__s32 syscall_nr;
	__u32 pad;
	__u64 args[6];
};

/* Layout of sock:sock_send_length and sock:sock_recv_length. */
struct sock_io_ctx {
	__u64 common;
	void *sk;
	__u16 family;
	__u16 protocol;
	__s32 ret;
	__s32 flags;
};

/* Layout of every syscalls:sys_exit_* tracepoint. */
struct syscall_exit_ctx {
	__u64 common;
	__s32 syscall_nr;
	__u32 pad;
	__s64 ret;
};

/* User ABI structs (x86_64 layout), read with user_read(). */
struct abi_iovec {
	__u64 base;
	__u64 len;
};

struct abi_msghdr {
	__u64 name;
	__u32 namelen;
	__u32 pad;
	__u64 iov;
	__u64 iovlen;
	__u64 control;
	__u64 controllen;
	__u32 flags;
	__u32 pad2;
};

struct abi_mmsghdr {
	struct abi_msghdr hdr;
	__u32 len;
	__u32 pad;
};

/* The user registers of the current syscall (x86_64 struct pt_regs,
 * a UAPI layout), from r10 on: its arguments are di, si, dx, r10, r8, r9,
 * its number orig_ax. Exits read their arguments here rather than saving
 * them at entry: a call already blocked when the tracer attached (a server
 * in accept()) is seen at its return, and no map holds one entry per
 * blocked thread. */
struct syscall_regs {
	__u64 r10;
	__u64 r9;
	__u64 r8;
	__u64 ax;
	__u64 cx;
	__u64 dx;
	__u64 si;
	__u64 di;
	__u64 orig_ax;
};
#define SYSCALL_REGS_OFFSET 56

/* Socket I/O seen from inside the current syscall by sock:sock_send_length
 * / sock_recv_length: the proof that its fd is a socket, and which one. */
struct sock_io {
	__u64 sk;       /* the kernel socket, an identity cookie (never read) */
	__u64 bytes;    /* sum of the lengths the tracepoints reported */
	__u32 calls;    /* tracepoint hits in this syscall (one per mmsg message) */
	__u16 family;   /* AF_* from the tracepoint */
	__u16 protocol; /* IPPROTO_* from the tracepoint */
	__u32 peeked;   /* a receive with MSG_PEEK: nothing consumed */
	__u32 spliced_in; /* splice out of this TCP socket (tcp_splice_read) */
};

/* A socket entry taken out of "socks" by enter_close, for exit_close. */
struct closing_socket {
	struct st_sock sock;
	__u64 fd;
	__u64 ts_ns; /* when close() started: the fd was free from then on */
	__u32 released; /* its TCP socket changed state inside this close */
	__u32 pad;
};

/* Scratch for one data event. The verifier bounds a copy by its masked
 * offset (< ST_DATA_MAX) plus its masked length (< 2 * ST_DATA_MAX), not by
 * the capture limit they really stay within: the room after data[] covers
 * that bound. */
struct data_scratch {
	struct st_data_event ev;
	__u8 overflow[2 * ST_DATA_MAX];
};

/* Socket I/O of a data syscall under way. Key: pid_tgid. Created by the
 * sock tracepoints inside the syscall, deleted by its exit (exit_data), so
 * an entry lives from the end of the I/O to the syscall's return; LRU so
 * that I/O from no traced syscall (io_uring, kernel threads) ages out. */
BPF_TABLE("lru_hash", __u64, struct sock_io, inflight, 16384);
/* A TLS library call under way: what its return needs. */
struct tls_call {
	__u64 session;  /* SSL *, gnutls_session_t, or Go's *tls.Conn */
	__u64 buf;      /* the caller's plaintext buffer */
	__u64 moved;    /* SSL_*_ex and the internals: size_t * of the bytes moved; 0 */
	__u64 sock_key; /* sock_key of the socket the call used (a syscall inside
			 * it, or Go's fd); 0 none seen */
	__u16 syscall;  /* ST_SYS_OPENSSL / GNUTLS / GO_TLS */
	__u8 direction;
	__u8 pad[5];
};

/* Calls under way. Key: pid_tgid (OpenSSL, GnuTLS: a call returns on the
 * thread it entered on). Made at entry, taken at return; LRU, so that the
 * calls of threads that died inside one age out. */
BPF_TABLE("lru_hash", __u64, struct tls_call, tls_calls, 16384);

/* Go's calls under way: a goroutine may return on another thread than it
 * entered on, so the key is (tgid, g), g the goroutine's pointer (R14 in
 * Go's register ABI). Made at entry, taken at the RET that ends it. */
struct go_call_key {
	__u64 g;
	__u32 tgid;
	__u32 pad;
};
BPF_TABLE("lru_hash", struct go_call_key, struct tls_call, go_calls, 16384);

/* Which socket a TLS session uses, for its calls that make no socket
 * syscall (a read served from the library's buffer). Key: (tgid, session);
 * written at every call that used a socket, checked against the socket's
 * open time at use (a closed fd's number reused is another socket). */
struct tls_session_key {
	__u64 session;
	__u32 tgid;
	__u32 pad;
};
struct tls_session_sock {
	__u64 sock_key;
	__u64 open_ts_ns; /* the socket's st_sock.open_ts_ns when learned */
	__u32 adjacent;   /* learned from the thread's next socket write (tls_unbound) */
	__u32 pad;
};
BPF_TABLE("lru_hash", struct tls_session_key, struct tls_session_sock, tls_sessions, 16384);

/* A session whose call used no socket and that has none cached, by the
 * thread that made the call: a library working on memory buffers (node,
 * python's asyncio) writes the records a call made to the socket right
 * after it, so the thread's next socket write outside a TLS call names
 * the session's socket. Taken only for a session's first socket (its
 * first call, a handshake, always has records to send); a socket syscall
 * inside a later call overrides it. Key: pid_tgid; value: the session. */
BPF_TABLE("lru_hash", __u64, __u64, tls_unbound, 4096);

/* Plaintext stream positions of a socket, by direction (pos[direction-1]).
 * Key: sock_key; reset when the socket's open time differs (a new socket
 * on the fd). */
struct tls_stream {
	__u64 open_ts_ns;
	__u64 pos[2];
};
BPF_TABLE("lru_hash", __u64, struct tls_stream, tls_streams, ST_SOCKS_MAX);

/* enum st_tls_count counters, per CPU. */
BPF_PERCPU_ARRAY(tls_counts, __u64, ST_TLS_COUNT_NR);

/* A TCP peer as sockaddr_in / sockaddr_in6 (network byte order inside). */
struct peer_addr {
	__u32 len;
	__u8 addr[28];
};

/* A TCP connect under way, from its SYN_SENT to its outcome. */
struct connect_attempt {
	__u64 pid_tgid;
	__u64 fd;
	__u64 start_ns;
	__u64 outcome_ns;
	__s64 result;       /* 0 established, or -errno */
	__u32 awaited;      /* connect() returned EINPROGRESS: report the outcome */
	__u32 decided;      /* result holds the outcome */
	__u8 comm[ST_COMM_LEN];
	struct peer_addr peer;
};

/* A connect that just failed on this CPU: its error report comes next. */
struct connect_failure {
	__u64 sk;
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u16 pad;
};

/* TCP peers by kernel socket, from their state changes: the remote of a
 * socket accepted without an address (accept(fd, NULL, NULL)) or adopted.
 * Key: sk cookie. Created at ESTABLISHED, deleted at CLOSE; LRU. */
BPF_TABLE("lru_hash", __u64, struct peer_addr, tcp_peers, ST_SOCKS_MAX);
/* TCP connects between SYN_SENT and their outcome. Key: sk cookie. Created
 * at SYN_SENT inside connect(), deleted once the outcome is reported (or
 * the connect was blocking); LRU for attempts abandoned by close(). */
BPF_TABLE("lru_hash", __u64, struct connect_attempt, connects, 4096);
/* The socket of a thread's connect() in progress. Key: pid_tgid. Created
 * at SYN_SENT, deleted by exit_connect. */
BPF_TABLE("lru_hash", __u64, __u64, connect_sks, 4096);
/* See struct connect_failure. Key 0. */
BPF_PERCPU_ARRAY(connect_failures, struct connect_failure, 1);
/* A connection event built outside a stack that already holds one (a
 * connect's outcome, the close of a socket an fd stopped naming). Key 0. */
BPF_PERCPU_ARRAY(conn_scratch, struct st_conn_event, 1);
/* TCP sockets that reached CLOSE (reset, refused, timed out) while an fd
 * may still hold them: their close() changes no state, yet ends them.
 * Key: sk cookie. Created at CLOSE, deleted at a new SYN_SENT or that
 * close; LRU. */
BPF_TABLE("lru_hash", __u64, __u8, tcp_ended, 4096);
/* Sockets being closed, by calling thread: see enter_close. */
BPF_HASH(closing, __u64, struct closing_socket, 4096);
/* Known sockets, see struct st_sock in socket_tracer.h. */
BPF_TABLE("lru_hash", __u64, struct st_sock, socks, ST_SOCKS_MAX);
/* -c filter: key comm, value unused. Filled by userspace before attach. */
BPF_HASH(filter_comms, struct st_comm_key, __u8, ST_FILTER_MAX);
/* -c filter: tgids selected because one of their threads had a wanted comm,
 * so that worker threads with names of their own (dig's "isc-net-0000")
 * follow their process. Key tgid; created by task_selected. */
BPF_TABLE("lru_hash", __u32, __u8, comm_tgids, 4096);
#ifdef ST_FOLLOW_FORKS
/* -p filter: processes forked by a selected one (a fork-per-connection
 * server's children), and theirs. Key tgid; created by task_newtask,
 * deleted at the process's exit. */
BPF_TABLE("lru_hash", __u32, __u8, pid_children, 16384);
/* Entries pid_children was given and not yet deleted at an exit (an LRU
 * eviction leaves it high: harmless). While 0, the path every syscall of
 * every process takes reads this array slot, not the hash. Key 0. */
BPF_ARRAY(pid_children_count, __u64, 1);
#endif
/* One data_scratch row per CPU, indexed by CPU id: too large for a
 * per-CPU array's 32 KiB value limit. */
BPF_ARRAY(data_scratch, struct data_scratch, ST_NR_CPUS);
#ifdef ST_RING_BUFFER
/* Events to userspace: one ring buffer shared by every CPU, registered by
 * userspace (ring_poller_open). */
BPF_RINGBUF_OUTPUT(events, ST_RING_PAGES);
/* Events this CPU submitted since it last woke the reader. Key 0. */
BPF_PERCPU_ARRAY(ring_unwoken, __u32, 1);
#else
/* Events to userspace, one perf buffer per CPU. */
BPF_PERF_OUTPUT(events);
#endif
/* Entries a table refused, by enum st_table_full. Read once a second and at
 * exit. */
BPF_PERCPU_ARRAY(table_full, __u64, ST_FULL_NR);
/* Events the kernel refused, by enum st_submit_failure: exact counts, also
 * of a full buffer (the kernel's own lost-sample records can arrive late or,
 * at exit, never). Read at exit. */
BPF_PERCPU_ARRAY(submit_failures, __u64, ST_SUBMIT_NR);

#ifdef ST_RING_BUFFER
/* The perf buffers wake the reader once per 64 samples of a CPU
 * (wakeup_events in src/transport/perf_poller.c): waking per event was most of a
 * traced syscall's cost. The ring buffer does the same per CPU, so the two
 * compare fairly; the reader drains the rest on its poll timeout. (bcc 0.26
 * cannot pass this map to bpf_ringbuf_query, which would allow waking on the
 * bytes waiting instead.) */
#ifndef ST_RING_WAKEUP_EVENTS
#define ST_RING_WAKEUP_EVENTS 64
#endif

static __always_inline int event_output(void *ctx, void *ev, __u32 size)
{
	__u32 zero = 0;
	__u32 *unwoken = ring_unwoken.lookup(&zero);
	__u64 flags = BPF_RB_NO_WAKEUP;
	int err;

	if (unwoken && ++*unwoken >= ST_RING_WAKEUP_EVENTS)
		flags = BPF_RB_FORCE_WAKEUP;
	err = events.ringbuf_output(ev, size, flags);
	/* A refused event keeps the wakeup due for the next one. */
	if (!err && unwoken && flags == BPF_RB_FORCE_WAKEUP)
		*unwoken = 0;
	return err;
}
#else
static __always_inline int event_output(void *ctx, void *ev, __u32 size)
{
	return events.perf_submit(ctx, ev, size);
}
#endif

/* --tcp, --udp, --unix: a socket of a kind not asked for emits nothing.
 * A socket whose type is not known yet (0) is left to userspace, which
 * selects again with all it learns (src/state/selection.c). */
static __always_inline int kind_selected(__u16 family, __u16 sock_type)
{
#ifdef ST_SELECT_TYPES
	__u32 kind;
	if (family == AF_UNIX)
		kind = ST_SELECT_UNIX;
	else if (!sock_type)
		return 1;
	else if (sock_type == SOCK_STREAM)
		kind = ST_SELECT_TCP;
	else if (sock_type == SOCK_DGRAM)
		kind = ST_SELECT_UDP;
	else
		kind = 0;
	return (ST_SELECT_TYPES & kind) != 0;
#else
	return 1;
#endif
}

/* The socket kind of an event about a socket; an exit (a header alone,
 * size known where this is inlined: no read past it) passes. */
static __always_inline int event_kind_selected(const void *ev, __u32 size)
{
#ifdef ST_SELECT_TYPES
	const struct st_event_header *hdr = ev;
	if (size <= sizeof(*hdr))
		return 1;
	if (hdr->kind == ST_EV_DATA) {
		const struct st_data_event *data = ev;
		return kind_selected(data->family, data->sock_type);
	}
	const struct st_conn_event *conn = ev;
	return kind_selected(conn->family, conn->sock_type);
#else
	return 1;
#endif
}

static __always_inline void event_submit(void *ctx, void *ev, __u32 size)
{
	if (!event_kind_selected(ev, size))
		return;
	int err = event_output(ctx, ev, size);
	if (err) {
		__u32 why = err == -ST_ENOSPC || err == -ST_EAGAIN ? ST_SUBMIT_NO_ROOM
								   : ST_SUBMIT_OTHER;
		__u64 *failures = submit_failures.lookup(&why);
		if (failures)
			(*failures)++;
	}
}

/* Counts an update a table refused (err non-zero). */
static __always_inline void table_update_check(long err, __u32 table)
{
	if (!err)
		return;
	__u64 *count = table_full.lookup(&table);
	if (count)
		(*count)++;
}

static __always_inline void tls_count(__u32 counter)
{
	__u64 *count = tls_counts.lookup(&counter);
	if (count)
		(*count)++;
}

static __always_inline __u64 sock_key(__u64 pid_tgid, __u64 fd)
{
	return (pid_tgid & 0xffffffff00000000ULL) | (fd & 0xffffffffULL);
}

/* Whether -p or -c already selected this process. The -p filter is
 * compiled in as constants: every syscall of every process runs this, and
 * a comparison costs nothing next to a map lookup. */
static __always_inline int process_selected(__u32 tgid)
{
#ifdef ST_FILTER_PID
	if (ST_PID_SELECTED(tgid))
		return 1;
#ifdef ST_FOLLOW_FORKS
	__u32 zero = 0;
	__u64 *children = pid_children_count.lookup(&zero);
	if (children && *children && pid_children.lookup(&tgid))
		return 1;
#endif
#endif
#ifdef ST_FILTER_COMM
	if (comm_tgids.lookup(&tgid))
		return 1;
#endif
#if defined(ST_FILTER_PID) || defined(ST_FILTER_COMM)
	return 0;
#else
	return 1;
#endif
}

/* The exits' check, before they look for an entry saved at the syscall's
 * entry: 0 only for a process no filter can select. With -c the comm is
 * checked where entries are made (task_selected). */
static __always_inline int pid_selected(__u64 pid_tgid)
{
#ifdef ST_FILTER_COMM
	return 1;
#else
	return process_selected(pid_tgid >> 32);
#endif
}

/* -p and -c select the union: a process either selects is traced. */
static __always_inline int task_selected(__u64 pid_tgid)
{
	__u32 process = pid_tgid >> 32;
	if (process_selected(process))
		return 1;
#ifdef ST_FILTER_COMM
	struct st_comm_key key = {};
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	if (!filter_comms.lookup(&key))
		return 0;
	__u8 one = 1;
	comm_tgids.update(&process, &one);
	return 1;
#else
	return 0;
#endif
}

static __always_inline int family_traced(__u16 family)
{
	return family == AF_INET || family == AF_INET6 || family == AF_UNIX;
}

static __always_inline void header_fill(struct st_event_header *hdr, __u32 kind,
					__u64 pid_tgid, __s32 fd)
{
	hdr->kind = kind;
	hdr->pid = pid_tgid >> 32;
	hdr->tid = (__u32)pid_tgid;
	hdr->fd = fd;
	hdr->ts_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(&hdr->comm, sizeof(hdr->comm));
}

/* The header of an event that happens outside the task it belongs to (a
 * softirq's TCP state change, an io_uring completion): the identity that
 * task left, its comm and the time given. */
static __always_inline void header_fill_as(struct st_event_header *hdr, __u32 kind,
					   __u64 pid_tgid, __s32 fd, const __u8 *comm, __u64 ts_ns)
{
	hdr->kind = kind;
	hdr->pid = pid_tgid >> 32;
	hdr->tid = (__u32)pid_tgid;
	hdr->fd = fd;
	hdr->ts_ns = ts_ns;
	__builtin_memcpy(hdr->comm, comm, ST_COMM_LEN);
}

/* What a data event says of its call and socket, but its header; no peer
 * (addr_len 0) until the caller sets one. */
static __always_inline void data_event_fill(struct st_data_event *ev, const struct st_sock *sock,
					    __u16 syscall, __u8 direction, __u64 bytes,
					    __u64 pos, __u64 delivered, __u32 captured,
					    __u32 cut)
{
	ev->bytes = bytes;
	ev->pos = pos;
	ev->sock_open_ns = sock->open_ts_ns;
	ev->sk = sock->sk;
	ev->delivered = delivered;
	ev->captured = captured;
	ev->capture_cut = cut;
	ev->syscall = syscall;
	ev->direction = direction;
	ev->addr_kind = ST_ADDR_DATAGRAM_PEER;
	ev->addr_len = 0;
	ev->family = sock->family;
	ev->sock_type = sock->sock_type;
	ev->sock_flags = sock->flags;
	ev->tls = 0;
}

/* Sends a data event (in its CPU's data_scratch row) with its captured
 * bytes only; the mask keeps the size within the row for the verifier. */
static __always_inline void data_event_submit(void *ctx, struct st_data_event *ev)
{
	event_submit(ctx, ev,
		     offsetof(struct st_data_event, data) + (ev->captured & (ST_DATA_MAX * 2 - 1)));
}

/* bpf_probe_read_user under another name. bcc checks every call of the
 * helper by its own name against /proc/kallsyms, reading the whole file
 * (about 0.15 s of startup here), to fall back to bpf_probe_read on kernels
 * older than 5.5, which this program cannot run on anyway (bounded loops,
 * 5.3; the helper itself). Declared the way bcc's helpers.h declares it. */
static long (*user_read)(void *dst, __u32 size, const void *src) =
	(void *)BPF_FUNC_probe_read_user;

/* Copies a user sockaddr of addr_len bytes; returns the bytes copied. */
static __always_inline __u32 sockaddr_copy(__u8 *dst, __u64 src, __u64 addr_len)
{
	if (!src || !addr_len)
		return 0;
	BOUNDS_OPAQUE(addr_len);
	if (addr_len > ST_ADDR_MAX)
		addr_len = ST_ADDR_MAX;
	if (user_read(dst, addr_len, (void *)src))
		return 0;
	return addr_len;
}

/* An exit the application never sees as a result: reported, it would be
 * a failed call with a number no errno names. */
static __always_inline int interrupted(__s64 ret)
{
	return ret <= -ST_ERESTARTSYS && ret >= -ST_ERESTART_RESTARTBLOCK;
}

/* bpf_probe_read_kernel under another name, for the same reason as
 * user_read; only ever given the current task's user register frame. */
static long (*kernel_read)(void *dst, __u32 size, const void *src) =
	(void *)BPF_FUNC_probe_read_kernel;

/* Where the current task's user registers are kept. */
static __always_inline void *syscall_frame(void)
{
	return (void *)bpf_task_pt_regs(bpf_get_current_task_btf()) + SYSCALL_REGS_OFFSET;
}

/* The current syscall's registers; 0, or -1 when they cannot be read. */
static __always_inline int syscall_regs_read(struct syscall_regs *regs)
{
	return kernel_read(regs, sizeof(*regs), syscall_frame()) ? -1 : 0;
}

/* Creates the entry of a socket first met at an exit; NULL when the table
 * refused it. */
static __always_inline struct st_sock *sock_enter(__u64 key, struct st_sock *fresh)
{
	table_update_check(socks.update(&key, fresh), ST_FULL_SOCKS);
	return socks.lookup(&key);
}

/* The entry's running total in a direction: it has I/O to report now. */
static __always_inline __u64 *sock_total(struct st_sock *sock, __u8 direction)
{
	sock->flags |= ST_SOCK_REPORTED;
	return direction == ST_DIR_SEND ? &sock->bytes_sent : &sock->bytes_recv;
}

/* ---- TCP state: peers and non-blocking connects' outcomes ---- */

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3
#define TCP_FIN_WAIT1 4
#define TCP_CLOSE 7
#define TCP_CLOSE_WAIT 8
#define TCP_LAST_ACK 9
#define TCP_LISTEN 10
#define NR_CONNECT 42

/* Layout of sock:inet_sock_set_state (ports in host byte order). */
struct sock_state_ctx {
	__u64 common;
	const void *skaddr;
	__s32 oldstate;
	__s32 newstate;
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u16 protocol;
	__u8 saddr[4];
	__u8 daddr[4];
	__u8 saddr_v6[16];
	__u8 daddr_v6[16];
};

/* Layout of sock:inet_sk_error_report. */
struct sock_error_ctx {
	__u64 common;
	__s32 error;
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u16 protocol;
};

static __always_inline __u16 port_net(__u16 port)
{
	return (port >> 8) | (port << 8);
}

static __always_inline void peer_fill(struct peer_addr *peer, const struct sock_state_ctx *ctx)
{
	*(__u16 *)peer->addr = ctx->family;
	*(__u16 *)(peer->addr + 2) = port_net(ctx->dport);
	if (ctx->family == AF_INET) {
		__builtin_memcpy(peer->addr + 4, ctx->daddr, 4);
		peer->len = 16;
	} else {
		__builtin_memcpy(peer->addr + 8, ctx->daddr_v6, 16);
		peer->len = 28;
	}
}

/* The outcome of a non-blocking connect, as its own event: the connecting
 * thread's identity, the time since the connect call. Stamped ts_ns: an
 * outcome decided before connect() returned (loopback) follows its
 * connect line. */
static __always_inline void connect_outcome_emit(void *ctx, const struct connect_attempt *attempt,
						 __u64 ts_ns)
{
	__u32 zero = 0;
	struct st_conn_event *ev = conn_scratch.lookup(&zero);
	if (!ev)
		return;
	header_fill_as(&ev->hdr, ST_EV_CONNECTED, attempt->pid_tgid, attempt->fd, attempt->comm,
		       ts_ns);
	ev->result = attempt->result;
	ev->duration_ns = attempt->outcome_ns - attempt->start_ns;
	ev->family = *(__u16 *)attempt->peer.addr;
	ev->sock_type = SOCK_STREAM;
	ev->sock_flags = ST_SOCK_REPORTED | ST_SOCK_CLIENT;
	ev->addr_len = attempt->peer.len;
	__builtin_memcpy(ev->addr, attempt->peer.addr, sizeof(attempt->peer.addr));
	event_submit(ctx, ev, sizeof(*ev));
}

/* The kernel decided a connect: report it if connect() already returned
 * EINPROGRESS, else keep it for exit_connect. */
static __always_inline void connect_decided(void *ctx, __u64 sk, __s64 result)
{
	struct connect_attempt *attempt = connects.lookup(&sk);
	if (!attempt)
		return;
	attempt->result = result;
	attempt->outcome_ns = bpf_ktime_get_ns();
	attempt->decided = 1;
	if (attempt->awaited) {
		connect_outcome_emit(ctx, attempt, attempt->outcome_ns);
		connects.delete(&sk);
	}
}

/* Inside close(): the states tcp_close() moves a socket to when its last
 * reference goes (FIN_WAIT1, LAST_ACK, CLOSE, or the FIN_WAIT2, CLOSING
 * it stays in); none of the states a connection reaches while open. */
static __always_inline void close_state_note(const struct sock_state_ctx *ctx, __u64 sk)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct closing_socket *closing_sock = closing.lookup(&pid_tgid);
	if (!closing_sock || (closing_sock->sock.sk && closing_sock->sock.sk != sk))
		return;
	if (ctx->newstate == TCP_ESTABLISHED || ctx->newstate == TCP_SYN_SENT ||
	    ctx->newstate == TCP_SYN_RECV || ctx->newstate == TCP_CLOSE_WAIT ||
	    ctx->newstate == TCP_LISTEN)
		return;
	/* Its socket not known yet: only a move a close starts counts (not one
	 * a softirq makes in this thread meanwhile, say a peer's TIME_WAIT). */
	if (!closing_sock->sock.sk &&
	    !((ctx->oldstate == TCP_ESTABLISHED || ctx->oldstate == TCP_CLOSE_WAIT ||
	       ctx->oldstate == TCP_SYN_RECV || ctx->oldstate == TCP_SYN_SENT ||
	       ctx->oldstate == TCP_LISTEN) &&
	      (ctx->newstate == TCP_FIN_WAIT1 || ctx->newstate == TCP_LAST_ACK ||
	       ctx->newstate == TCP_CLOSE)))
		return;
	closing_sock->released = 1;
	closing_sock->sock.sk = sk;
}

int sock_state(struct sock_state_ctx *ctx)
{
	__u64 sk = (__u64)ctx->skaddr;
	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	close_state_note(ctx, sk);
	if (ctx->newstate == TCP_ESTABLISHED) {
		struct peer_addr peer = {};
		peer_fill(&peer, ctx);
		tcp_peers.update(&sk, &peer);
		if (ctx->oldstate == TCP_SYN_SENT)
			connect_decided(ctx, sk, 0);
	} else if (ctx->newstate == TCP_CLOSE) {
		__u8 ended = 1;
		tcp_peers.delete(&sk);
		tcp_ended.update(&sk, &ended);
		if (ctx->oldstate == TCP_SYN_SENT && connects.lookup(&sk)) {
			/* failed: the error report follows on this CPU */
			__u32 zero = 0;
			struct connect_failure *failure = connect_failures.lookup(&zero);
			if (failure) {
				failure->sk = sk;
				failure->sport = ctx->sport;
				failure->dport = ctx->dport;
				failure->family = ctx->family;
			}
		}
	} else if (ctx->newstate == TCP_SYN_SENT) {
		__u64 pid_tgid = bpf_get_current_pid_tgid();
		tcp_ended.delete(&sk);
		struct syscall_regs regs;
		if (!task_selected(pid_tgid) || syscall_regs_read(&regs) || regs.orig_ax != NR_CONNECT)
			return 0;
		struct connect_attempt attempt = {
			.pid_tgid = pid_tgid,
			.fd = regs.di,
			.start_ns = bpf_ktime_get_ns(),
		};
		bpf_get_current_comm(&attempt.comm, sizeof(attempt.comm));
		peer_fill(&attempt.peer, ctx);
		table_update_check(connects.update(&sk, &attempt), ST_FULL_CONNECTS);
		table_update_check(connect_sks.update(&pid_tgid, &sk), ST_FULL_CONNECTS);
	}
	return 0;
}

int sock_error(struct sock_error_ctx *ctx)
{
	__u32 zero = 0;
	struct connect_failure *failure = connect_failures.lookup(&zero);
	if (!failure || !failure->sk || failure->sport != ctx->sport ||
	    failure->dport != ctx->dport || failure->family != ctx->family)
		return 0;
	__u64 sk = failure->sk;
	failure->sk = 0;
	connect_decided(ctx, sk, -(__s64)ctx->error);
	return 0;
}

/* ---- socket(), socketpair() ---- */

static __always_inline struct st_sock socket_made(__u64 family, __u64 type)
{
	struct st_sock sock = {
		.open_ts_ns = bpf_ktime_get_ns(),
		.family = family,
		.sock_type = type & ST_SOCK_TYPE_MASK,
	};
	return sock;
}

int exit_socket(struct syscall_exit_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct syscall_regs regs;
	if (ctx->ret < 0 || !task_selected(pid_tgid) || syscall_regs_read(&regs) ||
	    !family_traced(regs.di))
		return 0;
	struct st_sock sock = socket_made(regs.di, regs.si);
	__u64 key = sock_key(pid_tgid, ctx->ret);
	table_update_check(socks.update(&key, &sock), ST_FULL_SOCKS);
	return 0;
}

int exit_socketpair(struct syscall_exit_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct syscall_regs regs;
	__s32 fds[2];
	if (ctx->ret < 0 || !task_selected(pid_tgid) || syscall_regs_read(&regs) ||
	    !family_traced(regs.di) || user_read(fds, sizeof(fds), (void *)regs.r10))
		return 0;
	struct st_sock sock = socket_made(regs.di, regs.si);
	for (int i = 0; i < 2; i++) {
		__u64 key = sock_key(pid_tgid, fds[i]);
		table_update_check(socks.update(&key, &sock), ST_FULL_SOCKS);
	}
	return 0;
}

/* ---- connect(), accept(), accept4() ---- */

static __always_inline void conn_emit(void *ctx, struct st_conn_event *ev)
{
	event_submit(ctx, ev, sizeof(*ev));
}

int exit_connect(struct syscall_exit_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct syscall_regs regs;
	/* Not a socket, or no such fd: nothing to trace there. */
	if (interrupted(ctx->ret) || ctx->ret == -ST_ENOTSOCK || ctx->ret == -ST_EBADF ||
	    !task_selected(pid_tgid) || syscall_regs_read(&regs))
		return 0;

	struct st_conn_event ev = {};
	ev.addr_len = sockaddr_copy(ev.addr, regs.si, regs.dx);
	if (ev.addr_len < sizeof(__u16))
		return 0;
	__u16 family = *(__u16 *)ev.addr;
	if (!family_traced(family))
		return 0;

	header_fill(&ev.hdr, ST_EV_CONNECT, pid_tgid, regs.di);
	__u64 key = sock_key(pid_tgid, regs.di);
	struct st_sock fresh = { .family = family };
	struct st_sock *sock = socks.lookup(&key);
	if (!sock)
		sock = sock_enter(key, &fresh);
	if (!sock)
		return 0;
	sock->open_ts_ns = ev.hdr.ts_ns;
	sock->flags = (sock->flags | ST_SOCK_REPORTED | ST_SOCK_CLIENT | ST_SOCK_PEER_SENT) &
		      ~ST_SOCK_SERVER;
	ev.result = ctx->ret;
	ev.family = family;
	ev.sock_type = sock->sock_type;
	ev.sock_flags = sock->flags;

	/* A non-blocking connect's outcome follows when the kernel decides it
	 * (or already did, on loopback). */
	__u64 *sk = connect_sks.lookup(&pid_tgid);
	if (!sk) {
		conn_emit(ctx, &ev);
		return 0;
	}
	__u64 attempt_key = *sk;
	connect_sks.delete(&pid_tgid);
	sock->sk = attempt_key;
	ev.sk = attempt_key;
	conn_emit(ctx, &ev);
	struct connect_attempt *attempt = connects.lookup(&attempt_key);
	if (!attempt)
		return 0;
	if (ctx->ret != -ST_EINPROGRESS) {
		connects.delete(&attempt_key);
	} else if (attempt->decided) {
		connect_outcome_emit(ctx, attempt, ev.hdr.ts_ns);
		connects.delete(&attempt_key);
	} else {
		attempt->awaited = 1;
	}
	return 0;
}

static __always_inline int accept_exit(struct syscall_exit_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct syscall_regs regs;
	if (ctx->ret == -ST_EAGAIN || interrupted(ctx->ret) || !task_selected(pid_tgid) ||
	    syscall_regs_read(&regs))
		return 0;

	__u64 listen_key = sock_key(pid_tgid, regs.di);
	struct st_sock *listener = socks.lookup(&listen_key);
	struct st_conn_event ev = {};
	if (listener) {
		ev.family = listener->family;
		ev.sock_type = listener->sock_type;
	}
	if (ctx->ret >= 0) {
		__u32 addr_len = 0;
		if (regs.dx)
			user_read(&addr_len, sizeof(addr_len), (void *)regs.dx);
		ev.addr_len = sockaddr_copy(ev.addr, regs.si, addr_len);
		if (ev.addr_len >= sizeof(__u16))
			ev.family = *(__u16 *)ev.addr;
	}
	if (ev.family && !family_traced(ev.family))
		return 0;
	if (!ev.sock_type)
		ev.sock_type = SOCK_STREAM;

	__s32 fd = ctx->ret >= 0 ? ctx->ret : regs.di;
	header_fill(&ev.hdr, ST_EV_ACCEPT, pid_tgid, fd);
	ev.result = ctx->ret;
	ev.listen_fd = regs.di;
	ev.sock_flags = ST_SOCK_REPORTED | ST_SOCK_SERVER |
			(ev.addr_len >= sizeof(__u16) ? ST_SOCK_PEER_SENT : 0);
	if (ctx->ret >= 0) {
		struct st_sock sock = {
			.open_ts_ns = ev.hdr.ts_ns,
			.family = ev.family,
			.sock_type = ev.sock_type,
			.flags = ev.sock_flags,
		};
		__u64 key = sock_key(pid_tgid, fd);
		table_update_check(socks.update(&key, &sock), ST_FULL_SOCKS);
	}
	conn_emit(ctx, &ev);
	return 0;
}

int exit_accept(struct syscall_exit_ctx *ctx) { return accept_exit(ctx); }
int exit_accept4(struct syscall_exit_ctx *ctx) { return accept_exit(ctx); }

/* ---- close() ---- */

/* The entry leaves "socks" when close() starts: the kernel frees the fd
 * before the exit probe runs, and another thread's socket() or accept() may
 * get the same number in between; the exit must neither report nor delete
 * that new socket's entry. Bytes of other threads' calls still in flight on
 * the closing fd are not counted. */
int enter_close(struct syscall_enter_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 key = sock_key(pid_tgid, ctx->args[0]);
	struct st_sock *sock = socks.lookup(&key);
	if (!sock)
		return 0;
	struct closing_socket closing_sock = {
		.sock = *sock,
		.fd = ctx->args[0],
		.ts_ns = bpf_ktime_get_ns(),
	};
	table_update_check(closing.update(&pid_tgid, &closing_sock), ST_FULL_CLOSING);
	socks.delete(&key);
	return 0;
}

/* A close event's fields from the socket entry it reports, its header
 * (with the time its duration runs to) filled already. */
static __always_inline void close_event_fill(struct st_conn_event *ev, const struct st_sock *sock,
					     __s64 result, __u32 flags)
{
	ev->result = result;
	ev->duration_ns = sock->open_ts_ns && sock->open_ts_ns <= ev->hdr.ts_ns
				  ? ev->hdr.ts_ns - sock->open_ts_ns
				  : 0;
	ev->bytes_sent = sock->bytes_sent;
	ev->bytes_recv = sock->bytes_recv;
	ev->sk = sock->sk;
	ev->family = sock->family;
	ev->sock_type = sock->sock_type;
	ev->sock_flags = sock->flags | flags;
	ev->addr_len = 0;
}

/* Whether the kernel socket ended in this close (ST_SOCK_RELEASED) or
 * lives on in another fd (ST_SOCK_KEPT); TCP tells, other sockets do not. */
static __always_inline __u32 close_outcome(const struct closing_socket *closed)
{
	__u64 sk = closed->sock.sk;
	if (closed->released || (sk && tcp_ended.lookup(&sk))) {
		if (sk)
			tcp_ended.delete(&sk);
		return ST_SOCK_RELEASED;
	}
	if (closed->sock.sock_type == SOCK_STREAM &&
	    (closed->sock.family == AF_INET || closed->sock.family == AF_INET6))
		return ST_SOCK_KEPT;
	return 0;
}

int exit_close(struct syscall_exit_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!pid_selected(pid_tgid))
		return 0;
	struct closing_socket *saved = closing.lookup(&pid_tgid);
	if (!saved)
		return 0;
	struct closing_socket closed = *saved;
	closing.delete(&pid_tgid);
	if (ctx->ret == -ST_EBADF || !(closed.sock.flags & ST_SOCK_REPORTED))
		return 0;
	struct st_conn_event ev = {};
	header_fill(&ev.hdr, ST_EV_CLOSE, pid_tgid, closed.fd);
	/* Stamped when the fd was given up: a socket that reuses the number
	 * before this exit then sorts after this close, not before it. */
	ev.hdr.ts_ns = closed.ts_ns;
	close_event_fill(&ev, &closed.sock, ctx->ret, close_outcome(&closed));
	conn_emit(ctx, &ev);
	return 0;
}

/* ---- process exit ---- */

/* Layout of sched:sched_process_exit. */
struct process_exit_ctx {
	__u64 common;
	char comm[16];
	__s32 pid;
	__s32 prio;
	__u8 group_dead;
};

/* A process whose last thread exits closes its fds in the kernel, never
 * through close(): userspace closes its sockets from this event. */
int process_exit(struct process_exit_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!ctx->group_dead || !task_selected(pid_tgid))
		return 0;
	struct st_exit_event ev = {};
	header_fill(&ev.hdr, ST_EV_EXIT, pid_tgid, -1);
	event_submit(ctx, &ev, sizeof(ev));
#ifdef ST_FOLLOW_FORKS
	__u32 tgid = pid_tgid >> 32;
	__u32 zero = 0;
	__u64 *children = pid_children_count.lookup(&zero);
	if (!pid_children.delete(&tgid) && children)
		__sync_fetch_and_add(children, -1);
#endif
	return 0;
}

/* Layout of task:task_newtask: the task copy_process made, from the
 * parent's context. */
struct task_newtask_ctx {
	__u64 common;
	__s32 pid;
	char comm[16];
	__u64 clone_flags;
};

#define ST_CLONE_THREAD 0x00010000

/* -p follows the processes a selected one forks (not its threads: they
 * share its tgid): in the table before the child first runs. */
int task_newtask(struct task_newtask_ctx *ctx)
{
#ifdef ST_FOLLOW_FORKS
	if (ctx->clone_flags & ST_CLONE_THREAD)
		return 0;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!process_selected(pid_tgid >> 32))
		return 0;
	__u32 child = ctx->pid;
	__u32 zero = 0;
	__u8 one = 1;
	__u64 *children = pid_children_count.lookup(&zero);
	if (!pid_children.insert(&child, &one) && children)
		__sync_fetch_and_add(children, 1);
#endif
	return 0;
}

/* ---- io_uring requests ---- */

/* io_uring opcodes (include/uapi/linux/io_uring.h, stable ABI). */
#define IORING_OP_READV 1
#define IORING_OP_WRITEV 2
#define IORING_OP_SENDMSG 9
#define IORING_OP_RECVMSG 10
#define IORING_OP_READ 22
#define IORING_OP_WRITE 23
#define IORING_OP_SEND 26
#define IORING_OP_RECV 27
#define IORING_OP_SEND_ZC 47
#define IORING_OP_SENDMSG_ZC 48
#define IORING_CQE_F_MORE 2

/* Layouts of io_uring:io_uring_submit_req, io_uring_file_get and
 * io_uring_complete. */
struct uring_submit_ctx {
	__u64 common;
	void *ctx;
	void *req;
	__u64 user_data;
	__u8 opcode;
};

struct uring_file_ctx {
	__u64 common;
	void *ctx;
	void *req;
	__u64 user_data;
	__s32 fd;
};

struct uring_complete_ctx {
	__u64 common;
	void *ctx;
	void *req;
	__u64 user_data;
	__s32 res;
	__u32 cflags;
};

/* A data request submitted to io_uring, from its submission to its
 * completion: the submitter and the fd its file lookup named (-1 until
 * then; fixed files never have one). */
struct uring_req {
	__u64 pid_tgid;
	__s32 fd;
	__u8 direction;
	__u8 socket_only; /* send/recv opcodes: the fd can only be a socket */
	__u8 comm[ST_COMM_LEN];
};

/* Key: the request cookie. Created at submission, deleted at its last
 * completion; LRU for requests cancelled before. */
BPF_TABLE("lru_hash", __u64, struct uring_req, uring_reqs, 4096);

int uring_submit(struct uring_submit_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u8 op = ctx->opcode;
	__u8 direction = op == IORING_OP_WRITEV || op == IORING_OP_WRITE || op == IORING_OP_SENDMSG ||
				 op == IORING_OP_SEND || op == IORING_OP_SEND_ZC ||
				 op == IORING_OP_SENDMSG_ZC
			     ? ST_DIR_SEND
			 : op == IORING_OP_READV || op == IORING_OP_READ || op == IORING_OP_RECVMSG ||
				 op == IORING_OP_RECV
			     ? ST_DIR_RECV
			     : 0;
	if (!direction || !task_selected(pid_tgid))
		return 0;
	struct uring_req req = {
		.pid_tgid = pid_tgid,
		.fd = -1,
		.direction = direction,
		.socket_only = op == IORING_OP_SENDMSG || op == IORING_OP_RECVMSG ||
			       op == IORING_OP_SEND || op == IORING_OP_RECV ||
			       op == IORING_OP_SEND_ZC || op == IORING_OP_SENDMSG_ZC,
	};
	bpf_get_current_comm(&req.comm, sizeof(req.comm));
	__u64 key = (__u64)ctx->req;
	uring_reqs.update(&key, &req);
	return 0;
}

int uring_file(struct uring_file_ctx *ctx)
{
	__u64 key = (__u64)ctx->req;
	struct uring_req *req = uring_reqs.lookup(&key);
	if (req)
		req->fd = ctx->fd;
	return 0;
}

/* A completed request's bytes, counted on its socket and reported as a
 * data event with nothing captured: the payload's buffers are in the
 * submission, which no tracepoint shows. */
int uring_complete(struct uring_complete_ctx *ctx)
{
	__u64 key = (__u64)ctx->req;
	struct uring_req *found = uring_reqs.lookup(&key);
	if (!found)
		return 0;
	struct uring_req req = *found;
	if (!(ctx->cflags & IORING_CQE_F_MORE))
		uring_reqs.delete(&key);
	if (ctx->res <= 0 || req.fd < 0)
		return 0;
	__u64 sock_key_ = sock_key(req.pid_tgid, req.fd);
	struct st_sock *sock = socks.lookup(&sock_key_);
	if (!sock) {
		if (!req.socket_only)
			return 0;
		struct st_sock fresh = {
			.open_ts_ns = bpf_ktime_get_ns(),
			.flags = ST_SOCK_ADOPTED,
		};
		sock = sock_enter(sock_key_, &fresh);
		if (!sock)
			return 0;
	}
	__u64 pos = __sync_fetch_and_add(sock_total(sock, req.direction), ctx->res);
#ifndef ST_NO_DATA
	__u32 cpu = bpf_get_smp_processor_id();
	struct data_scratch *scratch = data_scratch.lookup(&cpu);
	if (!scratch)
		return 0;
	struct st_data_event *ev = &scratch->ev;
	header_fill_as(&ev->hdr, ST_EV_DATA, req.pid_tgid, req.fd, req.comm, bpf_ktime_get_ns());
	data_event_fill(ev, sock, ST_SYS_IO_URING, req.direction, ctx->res, pos, ctx->res, 0,
			ST_CUT_NO_BUFFER);
	data_event_submit(ctx, ev);
#endif
	return 0;
}

/* ---- data: the socket I/O inside any data syscall ---- */

/* The syscalls exit_data handles, by x86_64 number. */
#define NR_READ 0
#define NR_WRITE 1
#define NR_READV 19
#define NR_WRITEV 20
#define NR_SENDFILE 40
#define NR_SENDTO 44
#define NR_RECVFROM 45
#define NR_SENDMSG 46
#define NR_RECVMSG 47
#define NR_SPLICE 275
#define NR_RECVMMSG 299
#define NR_SENDMMSG 307

/* The number of the syscall under way (-1 in a kernel thread). */
static __always_inline __s64 syscall_nr_read(void)
{
	__s64 nr = -1;
	kernel_read(&nr, sizeof(nr), syscall_frame() + offsetof(struct syscall_regs, orig_ax));
	return nr;
}

/* The syscalls exit_data is attached to. */
static __always_inline int data_syscall(__s64 nr)
{
	return nr == NR_READ || nr == NR_WRITE || nr == NR_READV || nr == NR_WRITEV ||
	       nr == NR_SENDFILE || nr == NR_SENDTO || nr == NR_RECVFROM || nr == NR_SENDMSG ||
	       nr == NR_RECVMSG || nr == NR_SPLICE || nr == NR_RECVMMSG || nr == NR_SENDMMSG;
}

/* Socket I/O outside those syscalls (io_uring_enter, an io-wq worker, a
 * kernel thread) is left to the io_uring probes: noted, it would wait for
 * an exit_data that never comes for it. */
static __always_inline void sock_io_note(struct sock_io_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (ctx->ret <= 0 || !family_traced(ctx->family) || !task_selected(pid_tgid) ||
	    !data_syscall(syscall_nr_read()))
		return;
	struct sock_io *io = inflight.lookup(&pid_tgid);
	if (io && io->sk == (__u64)ctx->sk) {
		io->bytes += ctx->ret;
		io->calls++;
		io->peeked |= (ctx->flags & MSG_PEEK) != 0;
		return;
	}
	struct sock_io fresh = {
		.sk = (__u64)ctx->sk,
		.bytes = ctx->ret,
		.calls = 1,
		.family = ctx->family,
		.protocol = ctx->protocol,
		.peeked = (ctx->flags & MSG_PEEK) != 0,
	};
	table_update_check(inflight.update(&pid_tgid, &fresh), ST_FULL_INFLIGHT);
}

int sock_send(struct sock_io_ctx *ctx)
{
	sock_io_note(ctx);
	return 0;
}

int sock_recv(struct sock_io_ctx *ctx)
{
	sock_io_note(ctx);
	return 0;
}

/* Layout of tcp:tcp_rcv_space_adjust (the rest unused). */
struct tcp_rcv_ctx {
	__u64 common;
	void *skaddr;
	__u16 sport;
	__u16 dport;
	__u16 family;
};

/* splice() out of a TCP socket reads it with tcp_read_sock, past
 * sock_recvmsg and its sock_recv_length; tcp_rcv_space_adjust, which it
 * calls once the bytes are taken, tells which socket. */
int tcp_splice_read(struct tcp_rcv_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!family_traced(ctx->family) || !task_selected(pid_tgid) ||
	    syscall_nr_read() != NR_SPLICE)
		return 0;
	struct sock_io fresh = {
		.sk = (__u64)ctx->skaddr,
		.calls = 1,
		.family = ctx->family,
		.protocol = IPPROTO_TCP,
		.spliced_in = 1,
	};
	table_update_check(inflight.update(&pid_tgid, &fresh), ST_FULL_INFLIGHT);
	return 0;
}

/* Copies up to len user bytes to data[]; returns the bytes copied. */
static __always_inline __u32 payload_copy(__u8 *data, __u64 src, __u64 len)
{
	if (!src)
		return 0;
	__u64 n = ST_DATA_SIZE;
	if (len < n)
		n = len;
	BOUNDS_OPAQUE(n);
	if (n > ST_DATA_MAX)
		n = ST_DATA_MAX;
	if (user_read(data, n, (void *)src))
		return 0;
	return n;
}

/* Gathers the first `bytes` of an iovec array into data[], in order, from
 * its first ST_IOV_MAX iovecs. The body keeps few branches: each one
 * multiplies the verifier's states. */
static __always_inline __u32 payload_gather(__u8 *data, __u64 iov, __u64 iovcnt, __u64 bytes)
{
	__u32 off = 0;
	for (int i = 0; i < ST_IOV_MAX; i++) {
		struct abi_iovec vec = {};
		if (i >= iovcnt || off >= ST_DATA_SIZE || bytes == 0)
			break;
		user_read(&vec, sizeof(vec), (void *)(iov + i * sizeof(vec)));
		__u64 len = vec.len < bytes ? vec.len : bytes;
		__u64 n = ST_DATA_SIZE - off;
		if (len < n)
			n = len;
		BOUNDS_OPAQUE(n);
		n &= 2 * ST_DATA_MAX - 1;
		__u64 start = off;
		BOUNDS_OPAQUE(start);
		start &= ST_DATA_MAX - 1;
		user_read(data + start, n, (void *)vec.base);
		off += n;
		bytes -= len;
	}
	return off;
}

/* msg_len of message i of an mmsghdr array. */
static __always_inline __u64 mmsg_len(__u64 vec, int i)
{
	__u32 len = 0;
	user_read(&len, sizeof(len),
		  (void *)(vec + i * sizeof(struct abi_mmsghdr) + offsetof(struct abi_mmsghdr, len)));
	return len;
}

/* sendmmsg/recvmmsg return a message count: the bytes are the sum of the
 * messages' lengths, which the sock tracepoints add up (without them, the
 * first ST_MMSG_MAX messages' msg_len). */
static __always_inline __u64 mmsg_bytes(const struct sock_io *io, __u64 vec, __u64 messages)
{
#ifdef ST_NO_SOCK_TRACEPOINTS
	__u64 bytes = 0;
	for (int i = 0; i < ST_MMSG_MAX; i++) {
		if (i >= messages)
			break;
		bytes += mmsg_len(vec, i);
	}
	return bytes;
#else
	return io->bytes;
#endif
}

/* Bytes of an iovec array's buffers (its first ST_IOV_MAX), at most bytes. */
static __always_inline __u64 iov_room(__u64 iov, __u64 iovcnt, __u64 bytes)
{
	__u64 room = 0;
	for (int i = 0; i < ST_IOV_MAX; i++) {
		struct abi_iovec vec = {};
		if (i >= iovcnt || room >= bytes)
			break;
		user_read(&vec, sizeof(vec), (void *)(iov + i * sizeof(vec)));
		room += vec.len;
	}
	return room < bytes ? room : bytes;
}

/* What a receive with MSG_TRUNC put in the caller's buffers. It returns a
 * datagram's whole length, however little of it fit in the buffers (room,
 * the buffer length or iovec total); on a stream socket it discards the
 * bytes without copying them. Memory past what was delivered is the
 * caller's, never the socket's, and is not captured. */
static __always_inline __u64 truncating_receive_delivered(__u16 sock_type, __u64 bytes,
							  __u64 room)
{
	if (sock_type != SOCK_DGRAM && sock_type != SOCK_SEQPACKET)
		return 0;
	return room < bytes ? room : bytes;
}

/* Why a capture stopped short of what the call delivered; iovecs_left:
 * iovecs holding bytes were left unread. */
static __always_inline __u32 capture_cut(__u16 syscall, int iovecs_left, __u64 delivered,
					 __u32 captured)
{
	if (captured >= delivered)
		return ST_CUT_NONE;
	if (syscall == ST_SYS_SENDFILE || syscall == ST_SYS_SPLICE)
		return ST_CUT_NO_BUFFER;
	if (captured < ST_DATA_SIZE && iovecs_left)
		return ST_CUT_IOVECS;
	return ST_CUT_DATA_SIZE;
}

/* A sendmmsg/recvmmsg that moved bytes: what mmsg_report needs of it. */
struct mmsg_call {
	__u64 pid_tgid;
	__u64 fd;
	__u64 vec;      /* the mmsghdr array */
	__u64 messages; /* the syscall's return value */
	__u64 bytes;    /* all its messages' bytes */
	__u64 msg_flags;
	__u16 syscall;
	__u8 direction;
};

/* One data event per message, each with its own peer, capture (its first
 * iovec) and position, for the first ST_MMSG_MAX messages; the bytes of the
 * rest in one more event, not captured (ST_CUT_MMSG). */
static __always_inline void mmsg_report(void *ctx, const struct mmsg_call *call,
					struct st_sock *sock, __u64 *total)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct data_scratch *scratch = data_scratch.lookup(&cpu);
	if (!scratch)
		return;
	struct st_data_event *ev = &scratch->ev;
	__u64 reported = 0;
	for (int i = 0; i < ST_MMSG_MAX; i++) {
		if (i >= call->messages || reported >= call->bytes)
			break;
		struct abi_mmsghdr message = {};
		struct abi_iovec first = {};
		user_read(&message, sizeof(message),
			  (void *)(call->vec + i * sizeof(struct abi_mmsghdr)));
		if (message.hdr.iovlen)
			user_read(&first, sizeof(first), (void *)message.hdr.iov);
		__u64 len = message.len;
		__u64 delivered = len;
		if (call->direction == ST_DIR_RECV && (call->msg_flags & MSG_TRUNC))
			delivered = truncating_receive_delivered(
				sock->sock_type, len, message.hdr.iovlen == 1 ? first.len : len);
		__u64 copy = delivered < first.len ? delivered : first.len;
		__u32 captured = payload_copy(ev->data, first.base, copy);
		header_fill(&ev->hdr, ST_EV_DATA, call->pid_tgid, call->fd);
		/* only the first iovec of a message is captured */
		data_event_fill(ev, sock, call->syscall, call->direction, len,
				__sync_fetch_and_add(total, len), delivered, captured,
				capture_cut(call->syscall, message.hdr.iovlen > 1, delivered, captured));
		ev->addr_len = sockaddr_copy(ev->addr, message.hdr.name, message.hdr.namelen);
		data_event_submit(ctx, ev);
		reported += len;
	}
	if (reported >= call->bytes)
		return;
	__u64 rest = call->bytes - reported;
	header_fill(&ev->hdr, ST_EV_DATA, call->pid_tgid, call->fd);
	data_event_fill(ev, sock, call->syscall, call->direction, rest,
			__sync_fetch_and_add(total, rest), rest, 0, ST_CUT_MMSG);
	data_event_submit(ctx, ev);
}

/* The type of a socket first met through its I/O, from its protocol. */
static __always_inline __u16 sock_type_of(const struct sock_io *io)
{
	if (io->protocol == IPPROTO_TCP)
		return SOCK_STREAM;
	if (io->protocol == IPPROTO_UDP)
		return SOCK_DGRAM;
	return 0;
}

/* Takes the socket I/O the sock tracepoints noted in this syscall; 0 when
 * there is some to report (a syscall without any did no socket I/O: its fd
 * is not a socket, or it moved nothing), -1 otherwise. */
static __always_inline int sock_io_take(__u64 pid_tgid, __s64 ret, struct sock_io *io)
{
#ifdef ST_NO_SOCK_TRACEPOINTS
	__builtin_memset(io, 0, sizeof(*io));
	return ret > 0 ? 0 : -1;
#else
	struct sock_io *noted = inflight.lookup(&pid_tgid);
	if (!noted)
		return -1;
	*io = *noted;
	inflight.delete(&pid_tgid);
	return ret > 0 && !io->peeked ? 0 : -1;
#endif
}

/* The fd names another socket than its entry's, without a close() seen
 * (dup2 onto it, close_range, exec's close-on-exec): the old entry's close,
 * with its totals, before the new socket is entered. */
static __always_inline void replaced_close(void *ctx, __u64 pid_tgid, __u64 fd,
					   const struct st_sock *old)
{
	__u32 zero = 0;
	struct st_conn_event *ev = conn_scratch.lookup(&zero);
	if (!ev || !(old->flags & ST_SOCK_REPORTED))
		return;
	header_fill(&ev->hdr, ST_EV_CLOSE, pid_tgid, fd);
	close_event_fill(ev, old, 0, ST_SOCK_REPLACED);
	event_submit(ctx, ev, sizeof(*ev));
}

/* The socks entry of the fd the I/O went through, entered now (ADOPTED)
 * when it was not known: a dup'd, inherited or passed fd, or one opened
 * before the tracer started. NULL when there is none to report on. */
static __always_inline struct st_sock *data_sock(void *ctx, __u64 pid_tgid, __u64 fd,
						 const struct sock_io *io)
{
	__u64 key = sock_key(pid_tgid, fd);
	struct st_sock *sock = socks.lookup(&key);
#ifndef ST_NO_SOCK_TRACEPOINTS
	if (sock && sock->sk && sock->sk != io->sk) {
		replaced_close(ctx, pid_tgid, fd, sock);
		sock = NULL;
	}
	if (!sock) {
		struct st_sock fresh = {
			.open_ts_ns = bpf_ktime_get_ns(),
			.family = io->family,
			.sock_type = sock_type_of(io),
			.flags = ST_SOCK_ADOPTED,
		};
		sock = sock_enter(key, &fresh);
	}
	if (sock)
		sock->sk = io->sk;
#endif
	return sock;
}

/* A socket syscall inside a TLS library call on this thread: the socket
 * that call uses (the first one, when it used two). Returns
 * ST_TLS_CIPHERTEXT for the syscall's event when it is that socket. */
/* Whether TLS plaintext has moved on this socket (so its handshake is
 * over). */
static __always_inline int tls_plaintext_came(__u64 key, const struct st_sock *sock)
{
	struct tls_stream *stream = tls_streams.lookup(&key);

	return stream && stream->open_ts_ns == sock->open_ts_ns &&
	       (stream->pos[0] || stream->pos[1]);
}

static __always_inline __u16 tls_call_socket(__u64 pid_tgid, __u64 key, __u8 direction,
					     const struct st_sock *sock, int *in_data_call)
{
	struct tls_call *call = tls_calls.lookup(&pid_tgid);
	if (!call) {
		__u64 *unbound = direction == ST_DIR_SEND ? tls_unbound.lookup(&pid_tgid) : NULL;
		if (!unbound)
			return 0;
		struct tls_session_key session = { .session = *unbound, .tgid = pid_tgid >> 32 };
		struct tls_session_sock learned = {
			.sock_key = key, .open_ts_ns = sock->open_ts_ns, .adjacent = 1,
		};
		tls_sessions.insert(&session, &learned);
		tls_unbound.delete(&pid_tgid);
		return 0;
	}
	if (!call->sock_key)
		call->sock_key = key;
	if (call->sock_key == key) {
		*in_data_call = call->syscall != 0; /* a read or write, not a handshake */
		return ST_TLS_CIPHERTEXT;
	}
	tls_count(ST_TLS_COUNT_SOCKETS_MIXED);
	return 0;
}

/* sendmmsg/recvmmsg: a program of their own, so that the verifier does
 * not walk their per-message loop on every path of exit_data. */
int exit_mmsg(struct syscall_exit_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct syscall_regs regs;
	struct sock_io io;
	if (!pid_selected(pid_tgid) || sock_io_take(pid_tgid, ctx->ret, &io) ||
	    syscall_regs_read(&regs))
		return 0;
	struct st_sock *sock = data_sock(ctx, pid_tgid, regs.di, &io);
	if (!sock)
		return 0;
	struct mmsg_call call = {
		.pid_tgid = pid_tgid,
		.fd = regs.di,
		.vec = regs.si,
		.messages = ctx->ret,
		.bytes = mmsg_bytes(&io, regs.si, ctx->ret),
		.msg_flags = regs.r10,
		.syscall = ctx->syscall_nr == NR_SENDMMSG ? ST_SYS_SENDMMSG : ST_SYS_RECVMMSG,
		.direction = ctx->syscall_nr == NR_SENDMMSG ? ST_DIR_SEND : ST_DIR_RECV,
	};
	__u64 *total = sock_total(sock, call.direction);
#ifdef ST_NO_DATA
	__sync_fetch_and_add(total, call.bytes);
#else
	mmsg_report(ctx, &call, sock, total);
#endif
	return 0;
}

/* One program for the exit of every other data syscall. */
int exit_data(struct syscall_exit_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct syscall_regs regs;
	struct sock_io io;
	if (!pid_selected(pid_tgid) || sock_io_take(pid_tgid, ctx->ret, &io) ||
	    syscall_regs_read(&regs))
		return 0;

	/* Where the payload is: a buffer (buf, up to bytes), an iovec array
	 * (iov, iovcnt, up to gather_bytes) or nowhere (sendfile's and splice's
	 * is a file or a pipe). */
	__u64 fd = regs.di;
	__u64 bytes = ctx->ret;
	__u64 gather_bytes = bytes;
	__u64 buf = 0, count = 0;
	__u64 iov = 0, iovcnt = 0;
	__u64 peer = 0, peer_len = 0;
	__u64 msg_flags = 0;
	__u16 syscall = 0;
	__u8 direction = ST_DIR_RECV;
	struct abi_msghdr msg = {};
	switch (ctx->syscall_nr) {
	case NR_READ:
	case NR_WRITE:
		syscall = ctx->syscall_nr == NR_WRITE ? ST_SYS_WRITE : ST_SYS_READ;
		direction = ctx->syscall_nr == NR_WRITE ? ST_DIR_SEND : ST_DIR_RECV;
		buf = regs.si;
		count = regs.dx;
		break;
	case NR_READV:
	case NR_WRITEV:
		syscall = ctx->syscall_nr == NR_WRITEV ? ST_SYS_WRITEV : ST_SYS_READV;
		direction = ctx->syscall_nr == NR_WRITEV ? ST_DIR_SEND : ST_DIR_RECV;
		iov = regs.si;
		iovcnt = regs.dx;
		break;
	case NR_SENDTO:
		syscall = ST_SYS_SENDTO;
		direction = ST_DIR_SEND;
		buf = regs.si;
		count = regs.dx;
		peer = regs.r8;
		peer_len = regs.r9;
		break;
	case NR_RECVFROM:
		syscall = ST_SYS_RECVFROM;
		buf = regs.si;
		count = regs.dx;
		msg_flags = regs.r10;
		peer = regs.r8;
		if (regs.r8 && regs.r9)
			user_read(&peer_len, sizeof(__u32), (void *)regs.r9);
		break;
	case NR_SENDMSG:
	case NR_RECVMSG:
		syscall = ctx->syscall_nr == NR_SENDMSG ? ST_SYS_SENDMSG : ST_SYS_RECVMSG;
		direction = ctx->syscall_nr == NR_SENDMSG ? ST_DIR_SEND : ST_DIR_RECV;
		msg_flags = regs.dx;
		if (!user_read(&msg, sizeof(msg), (void *)regs.si)) {
			peer = msg.name;
			peer_len = msg.namelen;
			iov = msg.iov;
			iovcnt = msg.iovlen;
		}
		break;
	case NR_SENDFILE:
		syscall = ST_SYS_SENDFILE;
		direction = ST_DIR_SEND;
		break;
	case NR_SPLICE:
		/* out of a TCP socket: fd_in; into a socket: fd_out, a send */
		syscall = ST_SYS_SPLICE;
		direction = io.spliced_in ? ST_DIR_RECV : ST_DIR_SEND;
		fd = io.spliced_in ? regs.di : regs.dx;
		break;
	default:
		return 0;
	}
#ifdef ST_NO_SOCK_TRACEPOINTS
	if (msg_flags & MSG_PEEK)
		return 0;
#else
	/* One buffer, one I/O of the syscall's own length: anything else is
	 * socket I/O the kernel did for another file on this thread. */
	if (syscall != ST_SYS_SENDFILE && syscall != ST_SYS_SPLICE &&
	    (io.calls != 1 || io.bytes != bytes))
		return 0;
#endif
	struct st_sock *sock = data_sock(ctx, pid_tgid, fd, &io);
	if (!sock)
		return 0;
	int in_data_call = 0;
	__u16 tls = tls_call_socket(pid_tgid, sock_key(pid_tgid, fd), direction, sock,
				    &in_data_call);

	__u64 *total = sock_total(sock, direction);
#ifdef ST_NO_DATA
	__sync_fetch_and_add(total, bytes);
	(void)tls;
	return 0;
#else
	__u64 pos = __sync_fetch_and_add(total, bytes);
	__u32 cpu = bpf_get_smp_processor_id();
	struct data_scratch *scratch = data_scratch.lookup(&cpu);
	if (!scratch)
		return 0;
	struct st_data_event *ev = &scratch->ev;

	/* gather_bytes is the captured message's length (the first of *mmsg);
	 * a truncating receive delivered less of it. Later messages of a
	 * recvmmsg are counted as delivered: none of them is captured. */
	__u64 delivered = bytes;
	if (direction == ST_DIR_RECV && (msg_flags & MSG_TRUNC)) {
		__u64 room = iov ? iov_room(iov, iovcnt, gather_bytes) : count;
		__u64 first = truncating_receive_delivered(sock->sock_type, gather_bytes, room);
		delivered = bytes - (gather_bytes - first);
		gather_bytes = first;
	}
	/* A buffer's length bounds its copy whatever the return value says. */
	__u32 captured = 0;
	__u8 cut;
#ifdef ST_TLS_RECORDS_UNCOPIED
	/* The records of a probed TLS read or write once plaintext has come
	 * on the socket: the calls' probe gives their plaintext, and nothing
	 * prints their bytes. Until then a read or write may be doing the
	 * handshake (OpenSSL's first SSL_read does), whose hellos the TLS
	 * decoder reads: those are copied. */
	if (in_data_call && delivered && tls_plaintext_came(sock_key(pid_tgid, fd), sock)) {
		cut = ST_CUT_TLS_RECORD;
	} else
#endif
	{
		captured = iov ? payload_gather(ev->data, iov, iovcnt, gather_bytes)
			       : payload_copy(ev->data, buf, delivered < count ? delivered : count);
		cut = capture_cut(syscall, iovcnt > ST_IOV_MAX, delivered, captured);
	}

	header_fill(&ev->hdr, ST_EV_DATA, pid_tgid, fd);
	data_event_fill(ev, sock, syscall, direction, bytes, pos, delivered, captured, cut);
	ev->addr_len = sockaddr_copy(ev->addr, peer, peer_len);
#ifndef ST_NO_SOCK_TRACEPOINTS
	/* A connection whose peer userspace has not had (accepted without an
	 * address, or adopted): the kernel's, from its TCP state. */
	if (!ev->addr_len && !(sock->flags & ST_SOCK_PEER_SENT)) {
		struct peer_addr *known = tcp_peers.lookup(&io.sk);
		if (known) {
			__builtin_memcpy(ev->addr, known->addr, sizeof(known->addr));
			ev->addr_len = known->len;
			ev->addr_kind = ST_ADDR_CONNECTION_PEER;
			sock->flags |= ST_SOCK_PEER_SENT;
		}
	}
#endif
	ev->sock_flags = sock->flags; /* with PEER_SENT, if just set */
	ev->tls = tls;
	data_event_submit(ctx, ev);
	return 0;
#endif
}

/* ---- TLS libraries: plaintext at their read and write functions ---- */

#define ST_PROT_EXEC 4

/* A uprobe program's context: the user registers at the probed
 * instruction, x86_64 struct pt_regs (a UAPI layout; the struct itself
 * would come with <asm/ptrace.h>, which costs compile time). Arguments
 * are di, si, dx, cx, r8, r9, the result ax; Go's register ABI passes
 * ax, bx, cx... and keeps the goroutine in r14. */
struct user_regs {
	__u64 r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	__u64 ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

/* A call's entry: what its return needs, by thread. */
static __always_inline int tls_enter(struct user_regs *ctx, __u16 syscall, __u8 direction,
				     __u64 moved)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!task_selected(pid_tgid))
		return 0;
	struct tls_call call = {
		.session = ctx->di,
		.buf = ctx->si,
		.moved = moved,
		.syscall = syscall,
		.direction = direction,
	};
	tls_calls.update(&pid_tgid, &call);
	return 0;
}

/* The socket of a call that made no socket syscall, from its session's
 * last one; NULL when unknown or closed since. */
static __always_inline struct st_sock *tls_session_sock(struct tls_session_key *session,
							 __u64 *key, __u16 *tls)
{
	struct tls_session_sock *known = tls_sessions.lookup(session);
	if (!known)
		return NULL;
	__u64 cached = known->sock_key;
	struct st_sock *sock = socks.lookup(&cached);
	if (!sock || sock->open_ts_ns != known->open_ts_ns)
		return NULL;
	*key = cached;
	*tls |= known->adjacent ? ST_TLS_FD_ADJACENT : ST_TLS_FD_CACHED;
	return sock;
}

/* Learns the session's socket from a call that used one. */
static __always_inline struct st_sock *tls_session_learn(struct tls_session_key *session,
							  __u64 key)
{
	struct st_sock *sock = socks.lookup(&key);
	if (!sock)
		return NULL;
	struct tls_session_sock *known = tls_sessions.lookup(session);
	if (known && known->sock_key != key)
		tls_count(known->adjacent ? ST_TLS_COUNT_ADJACENT_WRONG : ST_TLS_COUNT_SOCKET_CHANGED);
	if (!known || known->sock_key != key || known->open_ts_ns != sock->open_ts_ns ||
	    known->adjacent) {
		struct tls_session_sock fresh = { .sock_key = key, .open_ts_ns = sock->open_ts_ns };
		tls_sessions.update(session, &fresh);
	}
	return sock;
}

/* The position of n more plaintext bytes of a socket in a direction. */
static __always_inline __u64 tls_stream_advance(__u64 key, const struct st_sock *sock,
						__u8 direction, __u64 n)
{
	struct tls_stream *stream = tls_streams.lookup(&key);
	if (!stream || stream->open_ts_ns != sock->open_ts_ns) {
		struct tls_stream fresh = { .open_ts_ns = sock->open_ts_ns };
		tls_streams.update(&key, &fresh);
		stream = tls_streams.lookup(&key);
		if (!stream)
			return 0;
	}
	return __sync_fetch_and_add(&stream->pos[direction == ST_DIR_SEND ? 0 : 1], n);
}

/* A call returned having moved n plaintext bytes (n <= 0: none): one data
 * event with them, on the call's socket when it is known, stamped now, or
 * at ts_ns when it is not 0. */
static __always_inline void tls_plaintext_emit(void *ctx, __u64 pid_tgid,
					       const struct tls_call *call, __s64 n,
					       __u64 ts_ns)
{
	struct tls_session_key session = { .session = call->session, .tgid = pid_tgid >> 32 };
	__u64 key = call->sock_key;
	__u16 tls = ST_TLS_PLAINTEXT;
	struct st_sock *sock = key ? tls_session_learn(&session, key) : NULL;
	if (!sock)
		sock = tls_session_sock(&session, &key, &tls);
	if (!sock)
		tls_unbound.update(&pid_tgid, &session.session);
	if (n <= 0)
		return;
	__u32 cpu = bpf_get_smp_processor_id();
	struct data_scratch *scratch = data_scratch.lookup(&cpu);
	if (!scratch)
		return;
	struct st_data_event *ev = &scratch->ev;
	__u32 captured = payload_copy(ev->data, call->buf, n);
	/* The program's own buffer: nothing read of it is a fault, not the
	 * capture limit (unless that is 0). */
	__u32 cut = captured >= (__u64)n ? ST_CUT_NONE
		    : !captured && ST_DATA_SIZE > 0 ? ST_CUT_UNREADABLE
						: ST_CUT_DATA_SIZE;
	if (sock) {
		header_fill(&ev->hdr, ST_EV_DATA, pid_tgid, (__s32)key);
		data_event_fill(ev, sock, call->syscall, call->direction, n,
				tls_stream_advance(key, sock, call->direction, n), n, captured, cut);
	} else {
		struct st_sock none = {};
		header_fill(&ev->hdr, ST_EV_DATA, pid_tgid, -1);
		data_event_fill(ev, &none, call->syscall, call->direction, n, 0, n, captured, cut);
		tls = ST_TLS_PLAINTEXT | ST_TLS_NO_SOCKET;
	}
	if (ts_ns)
		ev->hdr.ts_ns = ts_ns;
	ev->tls = tls;
	data_event_submit(ctx, ev);
}

/* A call's entry as its return found it (copied: the caller deletes it
 * from its map); a return without one, attached mid-call, is counted.
 * Returns 0 when there is one. */
static __always_inline int tls_call_found(const struct tls_call *found, __u64 pid_tgid,
					  struct tls_call *call)
{
	if (!found) {
		if (task_selected(pid_tgid))
			tls_count(ST_TLS_COUNT_RETURN_UNMATCHED);
		return -1;
	}
	*call = *found;
	return 0;
}

/* A return: takes the thread's call; ret is the function's result, moved
 * bytes read through call->moved when it has one. */
static __always_inline int tls_return(struct user_regs *ctx, __s64 ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!pid_selected(pid_tgid))
		return 0;
	struct tls_call call;
	if (tls_call_found(tls_calls.lookup(&pid_tgid), pid_tgid, &call))
		return 0;
	tls_calls.delete(&pid_tgid);
	__s64 n = ret;
	if (call.moved) {
		__u64 moved = 0;
		if (ret <= 0 || user_read(&moved, sizeof(moved), (void *)call.moved))
			moved = 0;
		n = moved;
	}
	tls_plaintext_emit(ctx, pid_tgid, &call, n, 0);
	return 0;
}

/* OpenSSL: SSL_write(ssl, buf, num) and SSL_read return the bytes moved
 * (int); SSL_write_ex(ssl, buf, num, size_t *written), SSL_read_ex and the
 * internal ssl_write_internal / ssl_read_internal they all call return 1
 * and store the count. */
int openssl_write_enter(struct user_regs *ctx)
{
	return tls_enter(ctx, ST_SYS_OPENSSL, ST_DIR_SEND, 0);
}

int openssl_read_enter(struct user_regs *ctx)
{
	return tls_enter(ctx, ST_SYS_OPENSSL, ST_DIR_RECV, 0);
}

int openssl_write_ex_enter(struct user_regs *ctx)
{
	return tls_enter(ctx, ST_SYS_OPENSSL, ST_DIR_SEND, ctx->cx);
}

int openssl_read_ex_enter(struct user_regs *ctx)
{
	return tls_enter(ctx, ST_SYS_OPENSSL, ST_DIR_RECV, ctx->cx);
}

int openssl_return(struct user_regs *ctx)
{
	return tls_return(ctx, (__s64)(int)ctx->ax);
}

/* A handshake or shutdown (SSL_do_handshake, SSL_shutdown,
 * gnutls_handshake, gnutls_bye): no plaintext, but its socket syscalls
 * are the session's records (marked ST_TLS_CIPHERTEXT), and its socket is
 * learned for the session before its first read or write. */
int tls_handshake_enter(struct user_regs *ctx)
{
	return tls_enter(ctx, 0, 0, 0);
}

int tls_handshake_return(struct user_regs *ctx)
{
	return tls_return(ctx, 0);
}

/* GnuTLS: gnutls_record_send2(session, data, size, pad, flags) and
 * gnutls_record_recv(session, data, size) return the bytes moved
 * (ssize_t) or a negative error. */
int gnutls_send_enter(struct user_regs *ctx)
{
	return tls_enter(ctx, ST_SYS_GNUTLS, ST_DIR_SEND, 0);
}

int gnutls_recv_enter(struct user_regs *ctx)
{
	return tls_enter(ctx, ST_SYS_GNUTLS, ST_DIR_RECV, 0);
}

int gnutls_return(struct user_regs *ctx)
{
	return tls_return(ctx, (__s64)ctx->ax);
}

/* Go (register ABI, 1.17 and later): (*tls.Conn).Write(b) and Read(b)
 * take the receiver in RAX, b's pointer in RBX, and return n in RAX. The
 * fd is read from the receiver: tls.Conn's first field, conn net.Conn, an
 * interface whose data word (+8) points at a net.TCPConn, whose first
 * field points at its netFD, whose poll.FD holds Sysfd at +16. */
static __always_inline __s32 go_conn_fd(__u64 conn)
{
	__u64 tcp_conn = 0, net_fd = 0;
	__s64 sysfd = -1;
	if (user_read(&tcp_conn, sizeof(tcp_conn), (void *)(conn + 8)) || !tcp_conn ||
	    user_read(&net_fd, sizeof(net_fd), (void *)tcp_conn) || !net_fd ||
	    user_read(&sysfd, sizeof(sysfd), (void *)(net_fd + 16)))
		return -1;
	return sysfd >= 0 && sysfd < 0x7fffffff ? (__s32)sysfd : -1;
}

/* A Go Write under way, by its Conn. Its bytes reach the peer before it
 * returns, and its goroutine may run again only much later (the peer it
 * woke took the CPU): its reply, read by another goroutine, would come
 * first. So a Read of the Conn that returns bytes while the Write's
 * records are out emits the Write's plaintext before its own, as of the
 * Write's entry: b, which Write sends whole unless it fails. */
struct go_write {
	struct tls_call call;
	__u64 pid_tgid;     /* the thread it entered on */
	__u64 g;
	__u64 len;          /* len(b) */
	__u64 entry_ns;
	__u64 sent;         /* its socket's bytes_sent at the entry */
	__u64 sock_open_ns; /* and that socket's open_ts_ns */
	__u64 claimed;      /* by the Read that emits it, or by its return */
};
BPF_TABLE("lru_hash", struct tls_session_key, struct go_write, go_writes, 16384);

/* Conns that had two Writes under way at once: which of them sent the
 * records is not known, so their Writes are emitted at their returns
 * only, in the order of those. */
BPF_TABLE("lru_hash", struct tls_session_key, __u8, go_writes_shared, 4096);

/* The fewest record bytes that can carry n plaintext bytes: records of at
 * most 16 KiB, each with a 5-byte header and at least a 16-byte tag
 * (ChaCha20-Poly1305 in TLS 1.2; GCM, CBC and TLS 1.3 add more). */
#define GO_TLS_RECORD_PLAINTEXT_MAX 16384
#define GO_TLS_RECORD_OVERHEAD_MIN 21

static __always_inline __u64 go_records_min(__u64 n)
{
	return n + GO_TLS_RECORD_OVERHEAD_MIN *
			   ((n + GO_TLS_RECORD_PLAINTEXT_MAX - 1) / GO_TLS_RECORD_PLAINTEXT_MAX);
}

/* Whether goroutine g's Write on conn is under way: not an entry whose
 * return went unseen (a panic out of it, its call evicted). */
static __always_inline bool go_write_under_way(const struct tls_session_key *conn, __u64 g)
{
	struct go_call_key key = { .g = g, .tgid = conn->tgid };
	struct tls_call *call = go_calls.lookup(&key);
	return call && call->direction == ST_DIR_SEND && call->session == conn->session;
}

static __always_inline void go_write_track(__u64 pid_tgid, const struct tls_call *call,
					   __u64 g, __u64 len)
{
	__u8 shared = 1;
	if (!len)
		return; /* sends nothing */
	struct tls_session_key conn = { .session = call->session, .tgid = pid_tgid >> 32 };
	struct go_write *other = go_writes.lookup(&conn);
	if (other) {
		if (other->g != g && go_write_under_way(&conn, other->g)) {
			go_writes_shared.update(&conn, &shared);
			return;
		}
		go_writes.delete(&conn);
	}
	__u64 key = call->sock_key;
	struct st_sock *sock = key ? socks.lookup(&key) : NULL;
	if (!sock || go_writes_shared.lookup(&conn))
		return;
	struct go_write write = {
		.call = *call,
		.pid_tgid = pid_tgid,
		.g = g,
		.len = len,
		.entry_ns = bpf_ktime_get_ns(),
		.sent = sock->bytes_sent,
		.sock_open_ns = sock->open_ts_ns,
	};
	/* Fails when another Write of the Conn entered at the same time. */
	if (go_writes.insert(&conn, &write))
		go_writes_shared.update(&conn, &shared);
}

static __always_inline int go_enter(struct user_regs *ctx, __u8 direction)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!task_selected(pid_tgid))
		return 0;
	struct go_call_key key = { .g = ctx->r14, .tgid = pid_tgid >> 32 };
	__s32 fd = go_conn_fd(ctx->ax);
	struct tls_call call = {
		.session = ctx->ax,
		.buf = ctx->bx,
		.sock_key = fd >= 0 ? sock_key(pid_tgid, fd) : 0,
		.syscall = ST_SYS_GO_TLS,
		.direction = direction,
	};
	go_calls.update(&key, &call);
	if (direction == ST_DIR_SEND)
		go_write_track(pid_tgid, &call, ctx->r14, ctx->cx);
	return 0;
}

int go_write_enter(struct user_regs *ctx)
{
	return go_enter(ctx, ST_DIR_SEND);
}

int go_read_enter(struct user_regs *ctx)
{
	return go_enter(ctx, ST_DIR_RECV);
}

/* A Read of conn returned bytes: the Write under way on conn goes first,
 * if its records can all be out and it is not emitted yet. */
static __always_inline void go_write_before_read(void *ctx, struct tls_session_key *conn)
{
	struct go_write *write = go_writes.lookup(conn);
	if (!write || write->claimed || go_writes_shared.lookup(conn) ||
	    !go_write_under_way(conn, write->g))
		return;
	/* Copied before the claim: once claimed, its return may delete it. */
	struct go_write seen = *write;
	/* Until its records can all be out, the Write is still sending (a
	 * peer answering early, full duplex): its return tells what went. */
	__u64 sock_key = seen.call.sock_key;
	struct st_sock *sock = socks.lookup(&sock_key);
	if (!sock || sock->open_ts_ns != seen.sock_open_ns ||
	    sock->bytes_sent - seen.sent < go_records_min(seen.len) ||
	    __sync_fetch_and_add(&write->claimed, 1))
		return;
	tls_plaintext_emit(ctx, seen.pid_tgid, &seen.call, seen.len, seen.entry_ns);
}

/* A Write returned: the bytes a Read emitted of it, 0 none (the return
 * and a Read on another CPU both claim it, one wins). */
static __always_inline __u64 go_write_done(struct tls_session_key *conn, __u64 g)
{
	struct go_write *write = go_writes.lookup(conn);
	if (!write || write->g != g)
		return 0;
	__u64 emitted = __sync_fetch_and_add(&write->claimed, 1) ? write->len : 0;
	go_writes.delete(conn);
	return emitted;
}

/* At every RET of Read and Write (a uretprobe would corrupt the return
 * address Go's stack unwinder checks). */
int go_return(struct user_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!pid_selected(pid_tgid))
		return 0;
	struct go_call_key key = { .g = ctx->r14, .tgid = pid_tgid >> 32 };
	struct tls_call call;
	if (tls_call_found(go_calls.lookup(&key), pid_tgid, &call))
		return 0;
	go_calls.delete(&key);
	struct tls_session_key conn = { .session = call.session, .tgid = pid_tgid >> 32 };
	__s64 n = (__s64)ctx->ax;
	if (call.direction == ST_DIR_SEND) {
		__u64 emitted = go_write_done(&conn, key.g);
		if (emitted && n < (__s64)emitted)
			tls_count(ST_TLS_COUNT_WRITE_SHORT);
		if (emitted)
			return 0;
	}
	if (call.direction == ST_DIR_RECV && n > 0)
		go_write_before_read(ctx, &conn);
	tls_plaintext_emit(ctx, pid_tgid, &call, n, 0);
	return 0;
}

/* ---- New programs and libraries, for userspace to probe ---- */

/* Execs and executable mappings, for the thread that attaches the TLS
 * probes: a ring of their own that wakes it at once, so that a new program
 * is probed before its first TLS call, most of the time (it runs on). */
BPF_RINGBUF_OUTPUT(exec_events, 16);
#define ST_RB_FORCE_WAKEUP 2

static __always_inline void exec_event_submit(__u64 pid_tgid, __s32 fd)
{
	struct st_exec_event ev = {};
	header_fill(&ev.hdr, ST_EV_EXEC, pid_tgid, fd);
	if (exec_events.ringbuf_output(&ev, sizeof(ev), ST_RB_FORCE_WAKEUP))
		tls_count(ST_TLS_COUNT_EXEC_LOST);
}

struct process_exec_ctx {
	__u64 common;
	__u32 filename_loc;
	__s32 pid;
	__s32 old_pid;
};

/* Every exec's name, selected or not: under -c a selected thread's
 * process may be one whose main thread is not selected. */
BPF_TABLE("lru_hash", __u32, struct st_process_comm, process_comms, ST_PROCESS_COMMS_MAX);

int process_exec(struct process_exec_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 process = pid_tgid >> 32;
	struct st_process_comm name = {};
	bpf_get_current_comm(&name.comm, sizeof(name.comm));
	process_comms.update(&process, &name);
#ifndef ST_NO_TLS
	if (task_selected(pid_tgid))
		exec_event_submit(pid_tgid, -1);
#endif
	return 0;
}

/* A file mapped executable (the dynamic loader mapping a library's code,
 * or dlopen): mmap(addr, len, prot, flags, fd, off). */
int exit_mmap(struct syscall_exit_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct syscall_regs regs;
	if (ctx->ret < 0 && ctx->ret > -4096)
		return 0;
	if (!pid_selected(pid_tgid) || syscall_regs_read(&regs) || !(regs.dx & ST_PROT_EXEC) ||
	    (__s64)regs.r8 < 0 || !task_selected(pid_tgid))
		return 0;
	exec_event_submit(pid_tgid, (__s32)regs.r8);
	return 0;
}
