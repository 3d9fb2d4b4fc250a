// CRC32C (Castagnoli), the checksum of keel's checkpoint records: detects every burst error up
// to 32 bits and random corruption with probability 1 - 2^-32.
#pragma once

#include <cstdint>
#include <string_view>

namespace keel {

std::uint32_t crc32c(std::string_view bytes, std::uint32_t crc = 0);

}  // namespace keel
