// Writing a file so that a crash never leaves it half-written: the bytes go to a temporary
// file in the same directory, which is flushed and fsync'ed, renamed over the target, and the
// directory is fsync'ed. At every moment the target path holds either the old or the new file.
// IOError naming the path and the failing step (with errno's text) otherwise.
#pragma once

#include <string>
#include <string_view>

namespace keel {

void write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace keel
