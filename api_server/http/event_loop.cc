#include "api_server/http/event_loop.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include "api_server/http/tls_context.h"
#include "api_server/http/worker_pool.h"
#include "qtrace/sdk/clock.h"
#include "qtrace/sdk/common/strings.h"
#include "qtrace/sdk/common/json_writer.h"

namespace qtrace::http {
namespace {

// epoll data for the two non-connection descriptors; connection ids start above.
constexpr std::uint64_t kListenTag = 0;
constexpr std::uint64_t kWakeTag = 1;
constexpr std::uint64_t kFirstConnectionId = 2;
// How often timeouts are checked.
constexpr std::int64_t kTimeoutCheckNs = 200'000'000;
// How long a closing connection keeps reading (and dropping) what the client
// still sends, so that it can finish writing and read our answer.
constexpr std::int64_t kLingerNs = 2'000'000'000;

std::int64_t ToNanos(absl::Duration d) { return absl::ToInt64Nanoseconds(d); }

// The error code string of the statuses the server itself answers.
std::string_view ErrorCode(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 408: return "request_timeout";
    case 411: return "length_required";
    case 413: return "payload_too_large";
    case 431: return "headers_too_large";
    case 501: return "not_implemented";
    case 503: return "unavailable";
    case 505: return "http_version_not_supported";
    default: return "error";
  }
}

HttpResponse ErrorResponse(int status, std::string_view message) {
  JsonWriter w;
  w.BeginObject().Key("error").BeginObject();
  w.Key("code").String(ErrorCode(status)).Key("message").String(message);
  w.EndObject().EndObject();
  HttpResponse response = HttpResponse::Json(status, w.str());
  response.close_connection = true;
  return response;
}

void PeerOf(int fd, Connection& c) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  char text[INET6_ADDRSTRLEN] = {};
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    if (addr.ss_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
      inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
      c.peer_port = ntohs(in->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
      inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
      c.peer_port = ntohs(in6->sin6_port);
    }
  }
  c.peer_address = text;
}

}  // namespace

EventLoop::EventLoop(ServerShared& shared) : shared_(shared), next_id_(kFirstConnectionId) {}

absl::StatusOr<std::unique_ptr<EventLoop>> EventLoop::Create(ServerShared& shared) {
  std::unique_ptr<EventLoop> loop(new EventLoop(shared));
  auto failed = [](std::string_view what) {
    return absl::InternalError(StrCat("event loop: ", what, ": ", std::strerror(errno)));
  };
  loop->epoll_fd_.Reset(epoll_create1(EPOLL_CLOEXEC));
  if (!loop->epoll_fd_.valid()) return failed("epoll_create1");
  loop->wake_fd_.Reset(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!loop->wake_fd_.valid()) return failed("eventfd");
  // A spare descriptor, given up when accept4 finds none left (see AcceptAll).
  loop->reserve_fd_.Reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!loop->reserve_fd_.valid()) return failed("open /dev/null (reserve descriptor)");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeTag;
  if (epoll_ctl(loop->epoll_fd_.get(), EPOLL_CTL_ADD, loop->wake_fd_.get(), &ev) != 0) return failed("epoll_ctl (wake-up)");
  if (!loop->WatchListener()) return failed("epoll_ctl (listening socket)");
  return loop;
}

bool EventLoop::WatchListener() {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLEXCLUSIVE;
  ev.data.u64 = kListenTag;
  return epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, shared_.listen_fd.get(), &ev) == 0;
}

EventLoop::~EventLoop() {
  connections_.clear();  // their sockets first, then the loop's descriptors
}

void EventLoop::Wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_.get(), &one, sizeof one);
}

void EventLoop::PostCompletion(std::uint64_t id, HttpResponse response) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    completions_.push_back(Completion{id, std::move(response)});
  }
  Wake();
}

void EventLoop::BeginDrain() {
  drain_requested_.store(true, std::memory_order_release);
  Wake();
}

void EventLoop::Shutdown() {
  shutdown_requested_.store(true, std::memory_order_release);
  Wake();
}

void EventLoop::Run() {
  epoll_event events[256];
  while (!shutdown_requested_.load(std::memory_order_acquire)) {
    const int n = epoll_wait(epoll_fd_.get(), events, 256, static_cast<int>(kTimeoutCheckNs / 1'000'000));
    for (int i = 0; i < n; ++i) {
      const std::uint64_t tag = events[i].data.u64;
      if (tag == kListenTag) {
        AcceptAll();
      } else if (tag == kWakeTag) {
        std::uint64_t value;
        [[maybe_unused]] ssize_t r = read(wake_fd_.get(), &value, sizeof value);
      } else if (auto it = connections_.find(tag); it != connections_.end()) {
        OnEvent(*it->second, events[i].events);
      }
    }
    TakeCompletions();
    if (!draining_ && drain_requested_.load(std::memory_order_acquire)) {
      draining_ = true;
      if (!accept_paused_) epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, shared_.listen_fd.get(), nullptr);
      for (auto& [id, c] : connections_) {
        if (IsIdle(*c)) Close(*c);
      }
    }
    CheckTimeouts();
    RemoveClosed();
  }
  for (auto& [id, c] : connections_) Close(*c);
  RemoveClosed();
}

void EventLoop::AcceptAll() {
  while (!draining_ && !accept_paused_) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    UniqueFd fd(accept4(shared_.listen_fd.get(), reinterpret_cast<sockaddr*>(&addr), &len,
                        SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) {
      if (errno == EMFILE || errno == ENFILE) OutOfDescriptors(errno);
      return;  // EAGAIN: another loop took it, or nothing left
    }
    // Count first, then check: two loops accepting at once cannot both pass
    // a check made before either counted ("at most N" holds exactly).
    const std::int64_t open_before = shared_.open_connections.fetch_add(1, std::memory_order_relaxed);
    if (open_before >= static_cast<std::int64_t>(shared_.options.max_connections)) {
      shared_.open_connections.fetch_sub(1, std::memory_order_relaxed);
      shared_.refused_over_limit.fetch_add(1, std::memory_order_relaxed);
      continue;  // fd closes
    }
    const int one = 1;
    setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto c = std::make_unique<Connection>(next_id_++, std::move(fd), shared_.options.limits,
                                          shared_.options.tls ? shared_.options.tls->ctx() : nullptr);
    PeerOf(c->fd.get(), *c);
    c->local_port = shared_.port;
    c->last_activity_ns = MonotonicNanos();
    shared_.accepted.fetch_add(1, std::memory_order_relaxed);
    Connection& ref = *c;
    connections_.emplace(ref.id, std::move(c));
    UpdateInterest(ref);
  }
}

// accept4 found no descriptor left. The connection stays in the backlog and
// the level-triggered listener would fire again at once, spinning the loop.
// So: give up the reserve descriptor, accept the waiting connection and
// close it (the client sees a close instead of a hang), take the reserve
// back; if even that fails, stop watching the listener until the next
// timeout check. Connections already open are served throughout.
void EventLoop::OutOfDescriptors(int error) {
  shared_.refused_no_descriptors.fetch_add(1, std::memory_order_relaxed);
  descriptor_log_.Report(LogLevel::kWarn,
                         StrCat("http server: out of file descriptors (", error == EMFILE ? "EMFILE" : "ENFILE",
                                ") while accepting: new connections are closed at once until descriptors "
                                "free up; open connections are still served. Raise the limit (ulimit -n)"));
  if (reserve_fd_.valid()) {
    reserve_fd_.Reset();
    const bool accepted = UniqueFd(accept4(shared_.listen_fd.get(), nullptr, nullptr, SOCK_CLOEXEC)).valid();
    reserve_fd_.Reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (accepted && reserve_fd_.valid()) return;
  }
  if (epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, shared_.listen_fd.get(), nullptr) == 0) accept_paused_ = true;
}

void EventLoop::OnEvent(Connection& c, std::uint32_t events) {
  if (c.state == Connection::State::kClosed) return;
  if ((events & EPOLLOUT) || c.tls_wants_write()) {
    FlushOutput(c);
    if (c.state == Connection::State::kClosed) return;
  }
  if (c.state == Connection::State::kLingering) {
    const Connection::IoResult r = c.ReadAvailable();
    c.in.clear();
    if (r == Connection::IoResult::kClosed || r == Connection::IoResult::kError) Close(c);
    return;
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
    const Connection::IoResult r = c.ReadAvailable();
    c.last_activity_ns = MonotonicNanos();
    if (r == Connection::IoResult::kError) {
      Close(c);
      return;
    }
    if (r == Connection::IoResult::kClosed) c.peer_closed = true;
    ProcessInput(c);
  }
}

bool EventLoop::IsIdle(const Connection& c) const {
  return c.state != Connection::State::kWithWorker && !c.HasPendingWrite() && c.in.empty() &&
         !c.parser.in_progress();
}

void EventLoop::ProcessInput(Connection& c) {
  while (c.state == Connection::State::kReading && !c.in.empty()) {
    const RequestParser::Result r = c.parser.Parse(c.in, c.request);
    if (r == RequestParser::Result::kNeedMore) {
      if (c.request_started_ns == 0) c.request_started_ns = MonotonicNanos();
      if (c.parser.expects_continue() && !c.sent_continue) {
        c.out.append("HTTP/1.1 100 Continue\r\n\r\n");
        c.sent_continue = true;
      }
      break;
    }
    if (r == RequestParser::Result::kError) {
      shared_.bad_requests.fetch_add(1, std::memory_order_relaxed);
      QueueResponse(c, ErrorResponse(c.parser.error_status(), c.parser.error_reason()), false, false);
      break;
    }
    c.in.erase(0, c.parser.consumed());
    c.request_started_ns = 0;
    c.sent_continue = false;
    HandleRequest(c);
  }
  if (c.peer_closed && c.state == Connection::State::kReading) {
    // The peer sent everything it will send; answer what is queued, then close.
    c.state = Connection::State::kClosingAfterWrite;
  }
  FlushOutput(c);
}

void EventLoop::HandleRequest(Connection& c) {
  shared_.requests.fetch_add(1, std::memory_order_relaxed);
  HttpRequest& request = c.request;
  request.peer_address = c.peer_address;
  request.peer_port = c.peer_port;
  request.local_port = c.local_port;
  request.tls = c.ssl != nullptr;
  if (draining_) request.keep_alive = false;
  const bool keep_alive = request.keep_alive;
  const bool head = request.method == "HEAD";
  const Router::Match match = shared_.router->Find(request);
  if (match.execution == Execution::kInline || match.handler == nullptr) {
    QueueResponse(c, shared_.router->Dispatch(request, match), keep_alive, head);
    return;
  }
  c.state = Connection::State::kWithWorker;
  auto task = [this, id = c.id, request = std::move(c.request), match]() mutable {
    PostCompletion(id, shared_.router->Dispatch(request, match));
  };
  // The request moved into the task; remember what the answer needs.
  c.request = HttpRequest{};
  c.pending = {keep_alive, head};
  if (!shared_.pool->TrySubmit(std::move(task))) {
    c.state = Connection::State::kReading;
    QueueResponse(c, ErrorResponse(503, "server overloaded"), false, false);
  }
  UpdateInterest(c);
}

void EventLoop::TakeCompletions() {
  std::vector<Completion> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    done.swap(completions_);
  }
  for (Completion& completion : done) {
    auto it = connections_.find(completion.id);
    if (it == connections_.end() || it->second->state == Connection::State::kClosed) continue;  // the client left
    Connection& c = *it->second;
    c.state = Connection::State::kReading;
    QueueResponse(c, completion.response, c.pending.keep_alive, c.pending.head);
    // Pipelined requests already buffered, then more from the socket.
    ProcessInput(c);
    if (c.state != Connection::State::kClosed) UpdateInterest(c);
  }
}

void EventLoop::QueueResponse(Connection& c, const HttpResponse& response, bool keep_alive, bool head_request) {
  const bool keep = keep_alive && !response.close_connection && !draining_;
  AppendResponseBytes(response, keep, head_request, c.out);
  if (!keep) c.state = Connection::State::kClosingAfterWrite;
}

void EventLoop::FlushOutput(Connection& c) {
  if (c.state == Connection::State::kClosed) return;
  const Connection::IoResult r = c.WritePending();
  if (r == Connection::IoResult::kError) {
    Close(c);
    return;
  }
  if (r == Connection::IoResult::kOk) {
    c.last_activity_ns = MonotonicNanos();
    if (c.state == Connection::State::kClosingAfterWrite) {
      CloseAfterAnswer(c);
      return;
    }
    if (draining_ && IsIdle(c)) {
      Close(c);
      return;
    }
  }
  UpdateInterest(c);
}

void EventLoop::UpdateInterest(Connection& c) {
  if (c.state == Connection::State::kClosed) return;
  std::uint32_t wanted = 0;
  // Read while no request is with a worker: pipelined bytes wait in the
  // socket (bounded by TCP) rather than in our memory.
  if ((c.state == Connection::State::kReading && !c.peer_closed) || c.state == Connection::State::kLingering) {
    wanted |= EPOLLIN;
  }
  if (c.HasPendingWrite() || c.tls_wants_write()) wanted |= EPOLLOUT;
  if (wanted == c.epoll_events) return;
  epoll_event ev{};
  ev.events = wanted;
  ev.data.u64 = c.id;
  epoll_ctl(epoll_fd_.get(), c.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c.fd.get(), &ev);
  c.registered = true;
  c.epoll_events = wanted;
}

void EventLoop::CloseAfterAnswer(Connection& c) {
  // Closing a socket with bytes still arriving makes the kernel answer them
  // with a reset, and a client still sending (a body we refused with 413,
  // say) then fails on its next write before it reads our answer. So, as
  // nginx does, end our side with a FIN and drop what the client still sends
  // until it closes, for a bounded time. TLS closes at once: a plain FIN
  // under it would only truncate the session.
  if (c.ssl != nullptr || c.peer_closed || draining_) {
    Close(c);
    return;
  }
  ::shutdown(c.fd.get(), SHUT_WR);
  c.state = Connection::State::kLingering;
  c.lingering_until_ns = MonotonicNanos() + kLingerNs;
  UpdateInterest(c);
}

void EventLoop::Close(Connection& c) {
  if (c.state == Connection::State::kClosed) return;
  c.state = Connection::State::kClosed;
  epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, c.fd.get(), nullptr);
  closed_.push_back(c.id);
}

void EventLoop::RemoveClosed() {
  for (std::uint64_t id : closed_) {
    if (connections_.erase(id) > 0) shared_.open_connections.fetch_sub(1, std::memory_order_relaxed);
  }
  closed_.clear();
}

void EventLoop::CheckTimeouts() {
  const std::int64_t now = MonotonicNanos();
  if (now - last_timeout_check_ns_ < kTimeoutCheckNs) return;
  last_timeout_check_ns_ = now;
  if (accept_paused_ && !draining_) {
    if (!reserve_fd_.valid()) reserve_fd_.Reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
    accept_paused_ = !WatchListener();
  }
  const std::int64_t request_timeout = ToNanos(shared_.options.request_timeout);
  const std::int64_t idle_timeout = ToNanos(shared_.options.idle_timeout);
  for (auto& [id, owned] : connections_) {
    Connection& c = *owned;
    if (c.state == Connection::State::kClosed) continue;
    if (c.state == Connection::State::kLingering) {
      if (now > c.lingering_until_ns) Close(c);
      continue;
    }
    if (c.state == Connection::State::kWithWorker) continue;  // the handler owns the time
    if (c.request_started_ns != 0 && now - c.request_started_ns > request_timeout) {
      // Slow request (slowloris): answer 408 and close. The write is best
      // effort; the connection closes either way.
      shared_.timeouts.fetch_add(1, std::memory_order_relaxed);
      QueueResponse(c, ErrorResponse(408, "request not received in time"), false, false);
      c.WritePending();
      Close(c);
    } else if (now - c.last_activity_ns > idle_timeout) {
      shared_.timeouts.fetch_add(1, std::memory_order_relaxed);
      Close(c);
    }
  }
}

}  // namespace qtrace::http
