// NumPy .npz archives: named tensors in and out, so that keel's weights can be opened with
// np.load and arrays saved with np.savez / np.savez_compressed can be read by keel.
//
// An .npz file is a ZIP archive holding one "<name>.npy" entry per array (core/npy.h).
//
// write_npz writes the arrays in the order given, each as a stored (uncompressed) entry with
// its CRC-32, as np.savez does, through write_file_atomically (a crash leaves the previous file
// in place). Entries carry a fixed timestamp (1980-01-01 00:00), so equal arrays give equal
// bytes. Requires: names are valid UTF-8 without NUL, non-empty and unique; the archive is below
// 4 GiB and 65535 entries (keel does not write ZIP64). ValueError naming the path and the
// offending name or size otherwise; IOError when the file cannot be written.
//
// read_npz returns every array in archive order, named without the ".npy" suffix (an entry
// "dense_1/W.npy" is "dense_1/W"), as float32 tensors in C order (read_npy's conversions).
// It reads stored and deflated entries (np.savez and np.savez_compressed), with or without
// ZIP64 records and data descriptors, and checks every entry's CRC-32 before parsing it.
// Names must be UTF-8 (Python's zipfile writes non-ASCII names so) and are returned as stored;
// directory entries are skipped. IOError naming the path and the problem otherwise: not a zip
// archive, truncated, encrypted or multi-disk, an unsupported compression method, a CRC mismatch, a
// duplicate or non-UTF-8 name, or an entry that is not a valid .npy file (naming the entry).
#pragma once

#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "keel/core/tensor.h"

namespace keel {

void write_npz(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& arrays);

std::vector<std::pair<std::string, Tensor>> read_npz(const std::string& path);
// The same from a seekable stream (an archive in memory); `what` names it in messages.
std::vector<std::pair<std::string, Tensor>> read_npz(std::istream& in, const std::string& what);

}  // namespace keel
