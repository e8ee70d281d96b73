/*
 * socket-tracer's BPF program, compiled at startup by libbcc.
 *
 * Attached to the stable syscall tracepoints only: every input is a
 * tracepoint argument or user memory, never a kernel-internal struct, so
 * the program does not depend on the kernel headers' version.
 * The BPF side captures, filters and counts; all parsing is in userspace.
 *
 * Compile-time switches (set by userspace with -D):
 *   ST_FILTER_PID   only tgids t for which ST_PID_SELECTED(t) holds (a
 *                   comparison userspace builds from the -p list)
 *   ST_FILTER_COMM  only comms in map filter_comms
 *   ST_DATA_SIZE    payload bytes captured per data event (<= ST_DATA_MAX)
 *   ST_NR_CPUS      possible CPUs (rows of the data scratch array)
 *   ST_RING_BUFFER  events through one BPF ring buffer of ST_RING_PAGES
 *                   pages (a power of two) instead of per-CPU perf buffers
 *   ST_RING_WAKEUP_EVENTS  with ST_RING_BUFFER: events of one CPU per
 *                   reader wakeup (default 64)
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
#define MSG_TRUNC 0x20

#ifndef ST_DATA_SIZE
#define ST_DATA_SIZE 4096
#endif
#ifndef ST_NR_CPUS
#define ST_NR_CPUS 256
#endif
#define ST_SOCK_TYPE_MASK 0xf /* strips SOCK_NONBLOCK / SOCK_CLOEXEC */
#define ST_EAGAIN 11
#define ST_EBADF 9
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

/* Arguments saved at syscall entry for the exit probe. socket() and
 * socketpair() keep the family in addr and the type in addr_len, and
 * socketpair() its fd array in buf. */
struct pending_call {
	__u64 fd;
	__u64 buf;      /* buffer, iovec array, msghdr or sockaddr pointer */
	__u64 count;    /* byte count, iovec count or message count */
	__u64 addr;     /* peer sockaddr pointer (sendto/recvfrom/accept) */
	__u64 addr_len; /* sendto: its length; recvfrom/accept: pointer to it */
	__u32 msg_flags; /* send/recv flags argument (MSG_*), 0 for read/write */
	__u16 syscall;  /* enum st_syscall; 0 for connection syscalls */
};

/* A socket entry taken out of "socks" by enter_close, for exit_close. */
struct closing_socket {
	struct st_sock sock;
	__u64 fd;
	__u64 ts_ns; /* when close() started: the fd was free from then on */
};

/* Scratch for one data event. The verifier bounds a copy by its masked
 * offset (< ST_DATA_MAX) plus its masked length (< 2 * ST_DATA_MAX), not by
 * the capture limit they really stay within: the room after data[] covers
 * that bound. */
struct data_scratch {
	struct st_data_event ev;
	__u8 overflow[2 * ST_DATA_MAX];
};

/* Calls between entry and exit. Key: pid_tgid of the calling thread.
 * Created at entry, deleted at exit. */
BPF_HASH(pending, __u64, struct pending_call, 16384);
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
/* Events the kernel refused, by enum st_submit_failure: exact counts, also
 * of a full buffer (the kernel's own lost-sample records can arrive late or,
 * at exit, never). Read at exit. */
BPF_PERCPU_ARRAY(submit_failures, __u64, ST_SUBMIT_NR);

#ifdef ST_RING_BUFFER
/* The perf buffers wake the reader once per 64 samples of a CPU
 * (wakeup_events in src/perf_poller.c): waking per event was most of a
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

static __always_inline void event_submit(void *ctx, void *ev, __u32 size)
{
	int err = event_output(ctx, ev, size);
	if (err) {
		__u32 why = err == -ST_ENOSPC || err == -ST_EAGAIN ? ST_SUBMIT_NO_ROOM
								   : ST_SUBMIT_OTHER;
		__u64 *failures = submit_failures.lookup(&why);
		if (failures)
			(*failures)++;
	}
}

static __always_inline __u64 sock_key(__u64 pid_tgid, __u64 fd)
{
	return (pid_tgid & 0xffffffff00000000ULL) | (fd & 0xffffffffULL);
}

/* The -p filter is compiled in as constants: every syscall of every
 * process runs this, and a comparison costs nothing next to a map lookup.
 * Exits check it too, before looking for a saved entry. */
static __always_inline int pid_selected(__u64 pid_tgid)
{
#ifdef ST_FILTER_PID
	__u32 tgid = pid_tgid >> 32;
	return ST_PID_SELECTED(tgid);
#else
	return 1;
#endif
}

static __always_inline int task_selected(__u64 pid_tgid)
{
	if (!pid_selected(pid_tgid))
		return 0;
#ifdef ST_FILTER_COMM
	__u32 process = pid_tgid >> 32;
	if (comm_tgids.lookup(&process))
		return 1;
	struct st_comm_key key = {};
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	if (!filter_comms.lookup(&key))
		return 0;
	__u8 one = 1;
	comm_tgids.update(&process, &one);
#endif
	return 1;
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

static __always_inline void pending_save(__u64 fd, __u64 buf, __u64 count, __u64 addr,
					 __u64 addr_len, __u32 msg_flags, __u16 syscall)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct pending_call call = {
		.fd = fd,
		.buf = buf,
		.count = count,
		.addr = addr,
		.addr_len = addr_len,
		.msg_flags = msg_flags,
		.syscall = syscall,
	};
	pending.update(&pid_tgid, &call);
}

/* Takes the entry's saved arguments; 0 when there are none. */
static __always_inline int pending_take(__u64 pid_tgid, struct pending_call *call)
{
	if (!pid_selected(pid_tgid))
		return 0;
	struct pending_call *saved = pending.lookup(&pid_tgid);
	if (!saved)
		return 0;
	*call = *saved;
	pending.delete(&pid_tgid);
	return 1;
}

/* ---- socket() ---- */

int enter_socket(struct syscall_enter_ctx *ctx)
{
	if (!family_traced(ctx->args[0]) || !task_selected(bpf_get_current_pid_tgid()))
		return 0;
	pending_save(0, 0, 0, ctx->args[0], ctx->args[1] & ST_SOCK_TYPE_MASK, 0, 0);
	return 0;
}

int exit_socket(struct syscall_exit_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct pending_call call;
	if (!pending_take(pid_tgid, &call) || ctx->ret < 0)
		return 0;
	struct st_sock sock = {
		.open_ts_ns = bpf_ktime_get_ns(),
		.family = call.addr,
		.sock_type = call.addr_len,
	};
	__u64 key = sock_key(pid_tgid, ctx->ret);
	socks.update(&key, &sock);
	return 0;
}

/* ---- socketpair() ---- */

int enter_socketpair(struct syscall_enter_ctx *ctx)
{
	if (!family_traced(ctx->args[0]) || !task_selected(bpf_get_current_pid_tgid()))
		return 0;
	pending_save(0, ctx->args[3], 0, ctx->args[0], ctx->args[1] & ST_SOCK_TYPE_MASK, 0, 0);
	return 0;
}

int exit_socketpair(struct syscall_exit_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct pending_call call;
	__s32 fds[2];
	if (!pending_take(pid_tgid, &call) || ctx->ret < 0 ||
	    user_read(fds, sizeof(fds), (void *)call.buf))
		return 0;
	struct st_sock sock = {
		.open_ts_ns = bpf_ktime_get_ns(),
		.family = call.addr,
		.sock_type = call.addr_len,
	};
	for (int i = 0; i < 2; i++) {
		__u64 key = sock_key(pid_tgid, fds[i]);
		socks.update(&key, &sock);
	}
	return 0;
}

/* ---- connect(), accept(), accept4() ---- */

static __always_inline void conn_emit(void *ctx, struct st_conn_event *ev)
{
	event_submit(ctx, ev, sizeof(*ev));
}

int enter_connect(struct syscall_enter_ctx *ctx)
{
	if (!task_selected(bpf_get_current_pid_tgid()))
		return 0;
	pending_save(ctx->args[0], 0, 0, ctx->args[1], ctx->args[2], 0, 0);
	return 0;
}

int exit_connect(struct syscall_exit_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct pending_call call;
	if (!pending_take(pid_tgid, &call) || interrupted(ctx->ret))
		return 0;

	struct st_conn_event ev = {};
	ev.addr_len = sockaddr_copy(ev.addr, call.addr, call.addr_len);
	if (ev.addr_len < sizeof(__u16))
		return 0;
	__u16 family = *(__u16 *)ev.addr;
	if (!family_traced(family))
		return 0;

	header_fill(&ev.hdr, ST_EV_CONNECT, pid_tgid, call.fd);
	__u64 key = sock_key(pid_tgid, call.fd);
	struct st_sock fresh = { .family = family };
	struct st_sock *sock = socks.lookup(&key);
	if (!sock) {
		socks.update(&key, &fresh);
		sock = socks.lookup(&key);
		if (!sock)
			return 0;
	}
	sock->open_ts_ns = ev.hdr.ts_ns;
	sock->flags = (sock->flags | ST_SOCK_REPORTED | ST_SOCK_CLIENT) & ~ST_SOCK_SERVER;
	ev.result = ctx->ret;
	ev.family = family;
	ev.sock_type = sock->sock_type;
	ev.sock_flags = sock->flags;
	conn_emit(ctx, &ev);
	return 0;
}

static __always_inline int accept_enter(struct syscall_enter_ctx *ctx)
{
	if (!task_selected(bpf_get_current_pid_tgid()))
		return 0;
	pending_save(ctx->args[0], 0, 0, ctx->args[1], ctx->args[2], 0, 0);
	return 0;
}

static __always_inline int accept_exit(struct syscall_exit_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct pending_call call;
	if (!pending_take(pid_tgid, &call) || ctx->ret == -ST_EAGAIN || interrupted(ctx->ret))
		return 0;

	__u64 listen_key = sock_key(pid_tgid, call.fd);
	struct st_sock *listener = socks.lookup(&listen_key);
	struct st_conn_event ev = {};
	if (listener) {
		ev.family = listener->family;
		ev.sock_type = listener->sock_type;
	}
	if (ctx->ret >= 0) {
		__u32 addr_len = 0;
		if (call.addr_len)
			user_read(&addr_len, sizeof(addr_len), (void *)call.addr_len);
		ev.addr_len = sockaddr_copy(ev.addr, call.addr, addr_len);
		if (ev.addr_len >= sizeof(__u16))
			ev.family = *(__u16 *)ev.addr;
	}
	if (ev.family && !family_traced(ev.family))
		return 0;
	if (!ev.sock_type)
		ev.sock_type = SOCK_STREAM;

	__s32 fd = ctx->ret >= 0 ? ctx->ret : call.fd;
	header_fill(&ev.hdr, ST_EV_ACCEPT, pid_tgid, fd);
	ev.result = ctx->ret;
	ev.sock_flags = ST_SOCK_REPORTED | ST_SOCK_SERVER;
	if (ctx->ret >= 0) {
		struct st_sock sock = {
			.open_ts_ns = ev.hdr.ts_ns,
			.family = ev.family,
			.sock_type = ev.sock_type,
			.flags = ev.sock_flags,
		};
		__u64 key = sock_key(pid_tgid, fd);
		socks.update(&key, &sock);
	}
	conn_emit(ctx, &ev);
	return 0;
}

int enter_accept(struct syscall_enter_ctx *ctx) { return accept_enter(ctx); }
int enter_accept4(struct syscall_enter_ctx *ctx) { return accept_enter(ctx); }
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
	closing.update(&pid_tgid, &closing_sock);
	socks.delete(&key);
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
	ev.result = ctx->ret;
	if (closed.sock.open_ts_ns && closed.sock.open_ts_ns <= ev.hdr.ts_ns)
		ev.duration_ns = ev.hdr.ts_ns - closed.sock.open_ts_ns;
	ev.bytes_sent = closed.sock.bytes_sent;
	ev.bytes_recv = closed.sock.bytes_recv;
	ev.family = closed.sock.family;
	ev.sock_type = closed.sock.sock_type;
	ev.sock_flags = closed.sock.flags;
	conn_emit(ctx, &ev);
	return 0;
}

/* ---- data: read/write family ---- */

/* Saves a data call's arguments when fd is a known socket. */
static __always_inline int data_enter(__u64 fd, __u64 buf, __u64 count, __u64 addr,
				      __u64 addr_len, __u32 msg_flags, __u16 syscall)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!task_selected(pid_tgid))
		return 0;
	__u64 key = sock_key(pid_tgid, fd);
	if (!socks.lookup(&key))
		return 0;
	pending_save(fd, buf, count, addr, addr_len, msg_flags, syscall);
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

/* Gathers the first `bytes` of an iovec array into data[], in order. The
 * body keeps few branches: each one multiplies the verifier's states. */
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

/* Whether a data syscall sends: bit ST_SYS_<name> set. */
#define SEND_SYSCALLS                                                                      \
	((1u << ST_SYS_WRITE) | (1u << ST_SYS_WRITEV) | (1u << ST_SYS_SENDTO) |              \
	 (1u << ST_SYS_SENDMSG) | (1u << ST_SYS_SENDMMSG) | (1u << ST_SYS_SENDFILE))

/* sendmmsg/recvmmsg return a message count: the bytes are the sum of the
 * messages' lengths (the first ST_IOV_MAX of them); *first_len gets the
 * first's, the one captured. */
static __always_inline __u64 mmsg_bytes(__u64 vec, __u64 messages, __u64 *first_len)
{
	__u64 bytes = 0;
	for (int i = 0; i < ST_IOV_MAX; i++) {
		if (i >= messages)
			break;
		__u32 len = 0;
		user_read(&len, sizeof(len),
			  (void *)(vec + i * sizeof(struct abi_mmsghdr) +
				   offsetof(struct abi_mmsghdr, len)));
		if (i == 0)
			*first_len = len;
		bytes += len;
	}
	return bytes;
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

/* One program for the exit of every data syscall: the entry saved which
 * syscall it was. Eleven inlined copies of this body were most of what
 * LLVM and the verifier spent at startup. */
int exit_data(struct syscall_exit_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct pending_call call;
	if (!pending_take(pid_tgid, &call) || ctx->ret <= 0)
		return 0;

	__u32 cpu = bpf_get_smp_processor_id();
	struct data_scratch *scratch = data_scratch.lookup(&cpu);
	if (!scratch)
		return 0;
	struct st_data_event *ev = &scratch->ev;
	__u64 key = sock_key(pid_tgid, call.fd);
	struct st_sock *sock = socks.lookup(&key);
	if (!sock)
		return 0;

	/* Where the payload is: a buffer (buf, up to bytes), an iovec array
	 * (iov, iovcnt, up to gather_bytes) or nowhere (sendfile's is a file). */
	__u64 bytes = ctx->ret;
	__u64 gather_bytes = bytes;
	__u64 buf = call.buf;
	__u64 iov = 0, iovcnt = 0;
	__u64 peer = 0, peer_len = 0;
	struct abi_msghdr msg = {};
	switch (call.syscall) {
	case ST_SYS_SENDTO:
		peer = call.addr;
		peer_len = call.addr_len;
		break;
	case ST_SYS_RECVFROM:
		peer = call.addr;
		if (call.addr && call.addr_len)
			user_read(&peer_len, sizeof(__u32), (void *)call.addr_len);
		break;
	case ST_SYS_READV:
	case ST_SYS_WRITEV:
		iov = call.buf;
		iovcnt = call.count;
		buf = 0;
		break;
	case ST_SYS_SENDMMSG:
	case ST_SYS_RECVMMSG:
		bytes = mmsg_bytes(call.buf, bytes, &gather_bytes);
		/* fallthrough: the first message's msghdr leads its mmsghdr */
	case ST_SYS_SENDMSG:
	case ST_SYS_RECVMSG:
		if (!user_read(&msg, sizeof(msg), (void *)call.buf)) {
			peer = msg.name;
			peer_len = msg.namelen;
			iov = msg.iov;
			iovcnt = msg.iovlen;
		}
		buf = 0;
		break;
	case ST_SYS_SENDFILE:
		buf = 0;
		break;
	}
	__u8 direction = (SEND_SYSCALLS >> call.syscall) & 1 ? ST_DIR_SEND : ST_DIR_RECV;
	/* gather_bytes is the captured message's length (the first of *mmsg);
	 * a truncating receive delivered less of it. Later messages of a
	 * recvmmsg are counted as delivered: none of them is captured. */
	__u64 delivered = bytes;
	if (direction == ST_DIR_RECV && (call.msg_flags & MSG_TRUNC)) {
		__u64 room = iov ? iov_room(iov, iovcnt, gather_bytes) : call.count;
		__u64 first = truncating_receive_delivered(sock->sock_type, gather_bytes, room);
		delivered = bytes - (gather_bytes - first);
		gather_bytes = first;
	}
	/* A buffer's length bounds its copy whatever the return value says. */
	__u32 captured = iov ? payload_gather(ev->data, iov, iovcnt, gather_bytes)
			     : payload_copy(ev->data, buf, delivered < call.count ? delivered
										 : call.count);

	__u64 *total = direction == ST_DIR_SEND ? &sock->bytes_sent : &sock->bytes_recv;
	ev->pos = *total;
	lock_xadd(total, bytes);
	sock->flags |= ST_SOCK_REPORTED;

	header_fill(&ev->hdr, ST_EV_DATA, pid_tgid, call.fd);
	ev->bytes = bytes;
	ev->delivered = delivered;
	ev->captured = captured;
	ev->syscall = call.syscall;
	ev->direction = direction;
	ev->family = sock->family;
	ev->sock_type = sock->sock_type;
	ev->sock_flags = sock->flags;
	ev->addr_len = sockaddr_copy(ev->addr, peer, peer_len);
	__u32 size = offsetof(struct st_data_event, data) + (captured & (ST_DATA_MAX * 2 - 1));
	if (size > sizeof(*scratch))
		return 0;
	event_submit(ctx, ev, size);
	return 0;
}

int enter_read(struct syscall_enter_ctx *ctx)
{
	return data_enter(ctx->args[0], ctx->args[1], ctx->args[2], 0, 0, 0, ST_SYS_READ);
}

int enter_write(struct syscall_enter_ctx *ctx)
{
	return data_enter(ctx->args[0], ctx->args[1], ctx->args[2], 0, 0, 0, ST_SYS_WRITE);
}

int enter_readv(struct syscall_enter_ctx *ctx)
{
	return data_enter(ctx->args[0], ctx->args[1], ctx->args[2], 0, 0, 0, ST_SYS_READV);
}

int enter_writev(struct syscall_enter_ctx *ctx)
{
	return data_enter(ctx->args[0], ctx->args[1], ctx->args[2], 0, 0, 0, ST_SYS_WRITEV);
}

int enter_sendto(struct syscall_enter_ctx *ctx)
{
	return data_enter(ctx->args[0], ctx->args[1], ctx->args[2], ctx->args[4], ctx->args[5],
			  ctx->args[3], ST_SYS_SENDTO);
}

int enter_recvfrom(struct syscall_enter_ctx *ctx)
{
	return data_enter(ctx->args[0], ctx->args[1], ctx->args[2], ctx->args[4], ctx->args[5],
			  ctx->args[3], ST_SYS_RECVFROM);
}

int enter_sendmsg(struct syscall_enter_ctx *ctx)
{
	return data_enter(ctx->args[0], ctx->args[1], 0, 0, 0, ctx->args[2], ST_SYS_SENDMSG);
}

int enter_recvmsg(struct syscall_enter_ctx *ctx)
{
	return data_enter(ctx->args[0], ctx->args[1], 0, 0, 0, ctx->args[2], ST_SYS_RECVMSG);
}

int enter_sendmmsg(struct syscall_enter_ctx *ctx)
{
	return data_enter(ctx->args[0], ctx->args[1], ctx->args[2], 0, 0, ctx->args[3],
			  ST_SYS_SENDMMSG);
}

int enter_recvmmsg(struct syscall_enter_ctx *ctx)
{
	return data_enter(ctx->args[0], ctx->args[1], ctx->args[2], 0, 0, ctx->args[3],
			  ST_SYS_RECVMMSG);
}

int enter_sendfile64(struct syscall_enter_ctx *ctx)
{
	return data_enter(ctx->args[0], 0, ctx->args[3], 0, 0, 0, ST_SYS_SENDFILE);
}
