// The few HDF5 operations keel's Keras 1 files need, over Debian's HDF5 C library: groups,
// string and string-list attributes (h5py's fixed-length NULLPAD strings and variable-length
// ones), and float datasets. keel parses no HDF5 bytes itself.
//
// Every failure is an IOError starting with the file's name and saying what was being done
// ("weights.h5: cannot open group 'dense_1' (HDF5: object not found)"); the library's own
// error printing is switched off. Handles close themselves.
//
// Writing builds the file in memory (HDF5's core driver) and image() returns its bytes, so that
// callers store it with write_file_atomically: a crash never leaves a half-written .h5 file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/tensor.h"

namespace keel::hdf5 {

// An open HDF5 object (file, group, dataset, attribute, type, space, property list).
class Handle {
 public:
  Handle() = default;
  explicit Handle(std::int64_t id) : id_(id) {}
  Handle(Handle&& other) noexcept : id_(other.id_) { other.id_ = -1; }
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle();
  std::int64_t id() const { return id_; }

 private:
  std::int64_t id_ = -1;
};

class Group {
 public:
  Group(Handle handle, std::string file, std::string path)
      : h_(std::move(handle)), file_(std::move(file)), path_(std::move(path)) {}

  const std::string& path() const { return path_; }

  bool has_attribute(const std::string& name) const;
  // A string attribute (scalar, fixed or variable length); nullopt when absent.
  std::optional<std::string> string_attribute(const std::string& name) const;
  // A 1-D string-array attribute; an empty array of any type (h5py writes [] as float64) is {}.
  // IOError when absent or not strings.
  std::vector<std::string> string_list_attribute(const std::string& name) const;
  void set_string_attribute(const std::string& name, const std::string& value);
  // As h5py writes a list of bytes: fixed-length NULLPAD strings, of the longest one's size
  // (an empty list as an empty float64 array).
  void set_string_list_attribute(const std::string& name, const std::vector<std::string>& values);

  bool has_child(const std::string& name) const;
  Group group(const std::string& name) const;
  Group create_group(const std::string& name);

  // A dataset of any numeric type as a plain float32 Tensor of its shape (HDF5 converts); a
  // scalar dataset is a rank-0 tensor. IOError for non-numeric data, rank > 6, or a size the
  // file cannot hold.
  Tensor read_tensor(const std::string& name) const;
  // Writes a float32 dataset of t's shape (t is made plain first).
  void write_tensor(const std::string& name, const Tensor& t);

 private:
  std::string where(const std::string& name) const;

  Handle h_;
  std::string file_;  // for messages
  std::string path_;  // "/" or "/model_weights/dense_1"
};

class File {
 public:
  // Opens an existing file read-only. IOError naming the path when it is missing, unreadable or
  // not HDF5.
  static File open(const std::string& path);
  // Opens the HDF5 file held in `bytes` (read-only; `name` is used in messages).
  static File open_image(std::string_view bytes, const std::string& name);
  // A new, empty file held in memory; image() gives its bytes.
  static File create_in_memory(const std::string& name);

  Group root() const;
  // The bytes of a file made by create_in_memory (flushed first).
  std::string image() const;
  const std::string& name() const { return name_; }

 private:
  File(Handle h, std::string name) : h_(std::move(h)), name_(std::move(name)) {}
  Handle h_;
  std::string name_;
};

}  // namespace keel::hdf5
