#include "keel/core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& step) {
  throw IOError(fmt::str(path, ": ", step, " failed (", std::strerror(errno), ")"));
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view bytes) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string name = ".";  // hidden, next to the target so that rename() stays atomic
  name.append(target.filename().string()).append(".tmp.XXXXXX");
  std::string tmp = (dir / name).string();
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) fail(path, fmt::str("creating a temporary file in ", dir.string()));
  auto cleanup = [&] {
    ::close(fd);
    ::unlink(tmp.c_str());
  };
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      cleanup();
      errno = e;
      fail(path, "writing");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0) {
    const int e = errno;
    cleanup();
    errno = e;
    fail(path, "syncing");
  }
  if (::close(fd) != 0) {
    ::unlink(tmp.c_str());
    fail(path, "closing");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    errno = e;
    fail(path, "renaming the temporary file over it");
  }
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace keel
