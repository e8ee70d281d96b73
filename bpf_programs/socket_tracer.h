/*
 * The kernel/user contract of socket-tracer: every event struct, enum and
 * limit that the BPF program and userspace share. The build puts this file
 * in front of the BPF source; userspace includes it after <linux/types.h>.
 * Only fixed-width types, #defines and enums: no libc includes.
 */
#ifndef SOCKET_TRACER_H
#define SOCKET_TRACER_H

#define ST_COMM_LEN 16
/* Room for the largest sockaddr we decode (sockaddr_un is 110 bytes). */
#define ST_ADDR_MAX 112
/* Ceiling of --data-size; a power of two so BPF can bound offsets by mask. */
#define ST_DATA_MAX 32768
/* readv/writev/sendmsg/recvmsg: iovecs gathered per call (a bounded loop
 * the verifier walks: 1024, UIO_MAXIOV, cost 0.6 s of every start, and
 * bcc 0.26 cannot pass the callback bpf_loop would need). Bytes in later
 * iovecs are counted, not captured. */
#define ST_IOV_MAX 64
/* sendmmsg/recvmmsg: messages reported one by one per call; the bytes of
 * later ones go in one uncaptured event. */
#define ST_MMSG_MAX 16
/* Entries of the traced-socket table (LRU: exited processes age out). */
#define ST_SOCKS_MAX 65536
/* Entries of each -p / -c filter table. */
#define ST_FILTER_MAX 64
/* Processes whose name at exec is kept (LRU: the oldest execs age out). */
#define ST_PROCESS_COMMS_MAX 16384

/* --tcp, --udp, --unix: the bits of ST_SELECT_TYPES. */
#define ST_SELECT_TCP 1
#define ST_SELECT_UDP 2
#define ST_SELECT_UNIX 4

/* Kinds of event. Append only: values are part of recorded event streams. */
enum st_event_kind {
	ST_EV_CONNECT = 1,
	ST_EV_ACCEPT = 2,
	ST_EV_CLOSE = 3,
	ST_EV_DATA = 4,
	/* The last thread of a process exited: its fds close without close(). */
	ST_EV_EXIT = 5,
	/* A non-blocking connect's outcome: established, or its error. */
	ST_EV_CONNECTED = 6,
	/* Made by userspace, never sent by BPF: a close (or exit) that leaves
	 * the kernel socket open through another fd or process. The socket's
	 * own close comes when its last user lets go. */
	ST_EV_RELEASE = 7,
	/* A process executed a program (fd -1) or mapped a file executable
	 * (fd: the mapped file's): userspace looks for TLS code to probe in
	 * it. Sent through the ring "exec_events", never printed. */
	ST_EV_EXEC = 8,
	ST_EV_NR
};

/* The syscall behind a data event. Append only. */
enum st_syscall {
	ST_SYS_READ = 1,
	ST_SYS_WRITE = 2,
	ST_SYS_READV = 3,
	ST_SYS_WRITEV = 4,
	ST_SYS_SENDTO = 5,
	ST_SYS_RECVFROM = 6,
	ST_SYS_SENDMSG = 7,
	ST_SYS_RECVMSG = 8,
	ST_SYS_SENDMMSG = 9,
	ST_SYS_RECVMMSG = 10,
	ST_SYS_SENDFILE = 11,
	ST_SYS_SPLICE = 12,
	ST_SYS_IO_URING = 13, /* an io_uring request's completion */
	/* Plaintext a TLS library call took or gave (ST_TLS_PLAINTEXT): */
	ST_SYS_OPENSSL = 14, /* SSL_read/SSL_write (and _ex, and their internals) */
	ST_SYS_GNUTLS = 15,  /* gnutls_record_recv/gnutls_record_send2 */
	ST_SYS_GO_TLS = 16,  /* Go's crypto/tls.(*Conn).Read/Write */
	ST_SYS_NR
};

/* Direction of a data event. Append only. */
enum st_direction {
	ST_DIR_SEND = 1,
	ST_DIR_RECV = 2,
	ST_DIR_NR
};

/* Why the kernel refused an event: the key of map "submit_failures".
 * Append only. */
enum st_submit_failure {
	/* No room: a full perf buffer (-ENOSPC; the kernel also reports these to
	 * the reader as lost samples, possibly later) or ring buffer (-EAGAIN). */
	ST_SUBMIT_NO_ROOM = 0,
	/* Any other error. */
	ST_SUBMIT_OTHER = 1,
	ST_SUBMIT_NR
};

/* A BPF table that refused an entry: the key of map "table_full". The LRU
 * tables evict instead of refusing; userspace counts what an eviction
 * costs (a socket met again through its I/O, a close without totals).
 * Append only. */
enum st_table_full {
	ST_FULL_SOCKS = 0,    /* a socket not entered: not traced until re-adopted */
	ST_FULL_CLOSING = 1,  /* a close not reported */
	ST_FULL_CONNECTS = 2, /* a connect whose outcome is not reported */
	ST_FULL_INFLIGHT = 3, /* a data syscall's socket I/O not traced */
	ST_FULL_NR
};

/* st_sock.flags and st_conn_event.sock_flags bits. */
enum st_sock_flag {
	/* A connect/accept/data event was emitted, or the startup scan found it
	 * open and connected: its close is reported. */
	ST_SOCK_REPORTED = 1,
	/* Open before the tracer started; entered by the startup scan. */
	ST_SOCK_PREEXISTING = 2,
	/* Returned by accept/accept4: role server. */
	ST_SOCK_SERVER = 4,
	/* Passed to connect: role client. Neither bit: role unknown. */
	ST_SOCK_CLIENT = 8,
	/* First met through its I/O (a dup'd, inherited, passed or preexisting
	 * fd): entered by exit_data. */
	ST_SOCK_ADOPTED = 16,
	/* The connection's peer went to userspace (connect, accept with an
	 * address, or a data event's ST_ADDR_CONNECTION_PEER). */
	ST_SOCK_PEER_SENT = 32,
	/* close: the kernel socket ended in this close (a TCP state change
	 * inside it, or it had already ended): no other fd holds it. */
	ST_SOCK_RELEASED = 64,
	/* close: a TCP socket that did not end in this close: another fd or
	 * process still holds it. Neither bit: the kernel did not say. */
	ST_SOCK_KEPT = 128,
	/* close: not a close() but the fd found naming another socket (dup2
	 * onto it, close_range, exec's close-on-exec) at its next I/O. */
	ST_SOCK_REPLACED = 256,
};

/* Why a data event captured less than was delivered. Append only. */
enum st_capture_cut {
	ST_CUT_NONE = 0,
	ST_CUT_DATA_SIZE = 1, /* --data-size reached */
	ST_CUT_IOVECS = 2,    /* bytes past the first ST_IOV_MAX iovecs */
	ST_CUT_NO_BUFFER = 3, /* sendfile, splice: the payload is a file or pipe */
	ST_CUT_MMSG = 4,      /* messages past the first ST_MMSG_MAX of a *mmsg call */
	ST_CUT_UNREADABLE = 5, /* a TLS call's buffer could not be read (not mapped) */
	/* A TLS record inside a probed read or write: its plaintext comes from
	 * the call's probe, so the record is counted, not copied (unless
	 * --show-ciphertext). */
	ST_CUT_TLS_RECORD = 6,
	ST_CUT_NR
};

/* st_data_event.tls bits. */
enum st_tls_flag {
	/* The bytes are plaintext a TLS library call took or gave (syscall
	 * ST_SYS_OPENSSL/GNUTLS/GO_TLS); bytes and pos count plaintext. */
	ST_TLS_PLAINTEXT = 1,
	/* A socket syscall made inside a probed TLS library call: its bytes are
	 * the records of that call's plaintext (or its handshake). */
	ST_TLS_CIPHERTEXT = 2,
	/* Plaintext whose socket came from the (process, TLS session) cache:
	 * the call made no socket syscall (a read served from the library's
	 * buffer). Without it, from a syscall inside the call (or Go's fd). */
	ST_TLS_FD_CACHED = 4,
	/* Plaintext of a session whose socket is not known (a library working
	 * on memory buffers, as node and python's asyncio do, before its
	 * first records went out): fd -1. */
	ST_TLS_NO_SOCKET = 8,
	/* Plaintext whose socket is the one the thread wrote to right after
	 * the session's first call (memory buffers: see tls_unbound in the
	 * BPF program), no socket syscall of its own having said otherwise. */
	ST_TLS_FD_ADJACENT = 16,
};

/* Counters of the TLS capture: map "tls_counts" (per-CPU array). Append
 * only. */
enum st_tls_count {
	/* A call's socket syscalls used another socket than the cached one for
	 * its session: the cache follows the newest. */
	ST_TLS_COUNT_SOCKET_CHANGED = 0,
	/* A call's socket syscalls went to two sockets: the first is kept. */
	ST_TLS_COUNT_SOCKETS_MIXED = 1,
	/* A call returned on a thread (or goroutine) with no entry saved: its
	 * plaintext is not captured (the probes were attached mid-call). */
	ST_TLS_COUNT_RETURN_UNMATCHED = 2,
	/* Execs and executable mappings not told to userspace (its ring full):
	 * TLS code they brought may go unprobed. */
	ST_TLS_COUNT_EXEC_LOST = 3,
	/* A session's socket learned from the next write (ST_TLS_FD_ADJACENT)
	 * that a socket syscall inside a later call contradicted: the
	 * plaintext between went to the wrong connection. */
	ST_TLS_COUNT_ADJACENT_WRONG = 4,
	/* A Go Write emitted whole at a Read of its Conn (its records looked
	 * out) returned less: the plaintext shows bytes that never went. */
	ST_TLS_COUNT_WRITE_SHORT = 5,
	ST_TLS_COUNT_NR
};

/* What st_data_event.addr holds. Append only. */
enum st_addr_kind {
	ST_ADDR_DATAGRAM_PEER = 0,   /* this datagram's peer (sendto/recvfrom/msg_name) */
	ST_ADDR_CONNECTION_PEER = 1, /* the TCP connection's peer, from the kernel */
};

/*
 * Map "socks": one entry per socket we know of.
 * Key: (tgid << 32) | fd. Created at socket()/socketpair()/connect()/accept()
 * exit, at the first I/O through an fd not yet known (ST_SOCK_ADOPTED) and
 * by the startup scan; deleted when close() starts (LRU evicts sockets of
 * processes that exited without closing).
 */
struct st_sock {
	__u64 open_ts_ns; /* CLOCK_MONOTONIC ns of connect/accept (or scan) */
	__u64 bytes_sent; /* sum of send-side syscall return values */
	__u64 bytes_recv; /* sum of receive-side syscall return values */
	__u64 sk;         /* the kernel socket (an identity cookie); 0 until known */
	__u16 family;     /* AF_* from socket() or the address; 0 unknown */
	__u16 sock_type;  /* SOCK_STREAM/SOCK_DGRAM/...; 0 unknown */
	__u32 flags;      /* enum st_sock_flag bits */
};

/* Fields every event starts with. */
struct st_event_header {
	__u32 kind;            /* enum st_event_kind */
	__u32 pid;             /* tgid of the calling process */
	__u32 tid;             /* thread id */
	__s32 fd;              /* socket fd in that process */
	__u64 ts_ns;           /* CLOCK_MONOTONIC ns at syscall exit (close: entry) */
	__u8 comm[ST_COMM_LEN]; /* task comm, NUL-padded */
};

/* connect, accept/accept4, close, and a non-blocking connect's outcome
 * (connected: result 0 or -errno, duration_ns since the connect call). */
struct st_conn_event {
	struct st_event_header hdr;
	__s64 result;       /* syscall return: 0/new fd, or -errno */
	__u64 duration_ns;  /* close: since connect/accept; else 0 */
	__u64 bytes_sent;   /* close: total sent on the socket */
	__u64 bytes_recv;   /* close: total received on the socket */
	/* The kernel socket, an identity cookie userspace groups fds by and
	 * never shows; 0 unknown (an accepted socket before its first I/O). */
	__u64 sk;
	__u16 family;       /* AF_* of the socket */
	__u16 sock_type;    /* SOCK_* of the socket; 0 unknown */
	__u32 sock_flags;   /* enum st_sock_flag bits */
	__u32 addr_len;     /* valid bytes of addr; 0 when not known */
	/* accept: the listening socket's fd, whose local port the accepted
	 * socket shares (asked of the kernel for --port when the new one is
	 * gone too soon); other kinds: 0 */
	__s32 listen_fd;
	/* Remote sockaddr as connect() was given it or accept() returned it;
	 * ports and addresses inside stay in network byte order. */
	__u8 addr[ST_ADDR_MAX];
};

/* A process's exit (sched:sched_process_exit of its last thread); fd -1. */
struct st_exit_event {
	struct st_event_header hdr;
};

/* One read/write-family syscall on a known socket. */
struct st_data_event {
	struct st_event_header hdr;
	__u64 bytes;       /* syscall's byte count (its return value) */
	__u64 pos;         /* bytes in this direction before this call */
	/* Bytes the call placed in (or took from) the caller's buffers, <= bytes.
	 * Less only for recv*(MSG_TRUNC): a datagram longer than the buffer
	 * (bytes is its length) or stream bytes discarded unread (0). */
	__u64 delivered;
	/* The socket entry's open_ts_ns: tells apart successive sockets on one
	 * fd (events of one socket share it). */
	__u64 sock_open_ns;
	__u64 sk;          /* the kernel socket, as in st_conn_event */
	__u32 captured;    /* payload bytes in data[] (<= delivered) */
	__u16 syscall;     /* enum st_syscall */
	__u8 direction;    /* enum st_direction */
	__u8 addr_kind;    /* enum st_addr_kind */
	__u16 family;      /* AF_* of the socket */
	__u16 sock_type;   /* SOCK_* of the socket; 0 unknown */
	__u32 sock_flags;  /* enum st_sock_flag bits */
	__u32 addr_len;    /* valid bytes of addr (see addr_kind), 0 none */
	__u16 capture_cut; /* enum st_capture_cut: why captured < delivered */
	__u16 tls;         /* enum st_tls_flag bits; 0: bytes of a socket syscall */
	__u8 addr[ST_ADDR_MAX]; /* that peer, network byte order inside */
	__u8 data[ST_DATA_MAX]; /* first captured bytes; only those are sent */
};

/* ST_EV_EXEC: the process, and (hdr.fd >= 0) the file it mapped. */
struct st_exec_event {
	struct st_event_header hdr;
};

/* Key of map "filter_comms" (-c NAME): the comm, NUL-padded. */
struct st_comm_key {
	__u8 comm[ST_COMM_LEN];
};

/* Value of map "process_comms" (by tgid): the process's comm at its exec,
 * for userspace to name the process of a thread that did the I/O after
 * the process is gone. */
struct st_process_comm {
	__u8 comm[ST_COMM_LEN];
};

#endif /* SOCKET_TRACER_H */
