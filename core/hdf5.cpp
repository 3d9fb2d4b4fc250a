#include "keel/core/detail/hdf5.h"

#include <hdf5.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <mutex>

#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel::hdf5 {

namespace {

// HDF5 prints its error stack to stderr by default; keel reports errors as exceptions.
void silence_library() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

// The innermost message of HDF5's current error stack ("object not found"), or "".
std::string library_error() {
  std::string message;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
        if (n == 0 && e->desc) *static_cast<std::string*>(out) = e->desc;
        return 0;
      },
      &message);
  H5Eclear2(H5E_DEFAULT);
  return message;
}

[[noreturn]] void fail(const std::string& file, const std::string& what) {
  const std::string detail = library_error();
  throw IOError(fmt::str(file, ": ", what, detail.empty() ? "" : " (HDF5: " + detail + ")"));
}

// An id returned by an H5*open / H5*create / H5*get_* call, or the IOError.
hid_t opened(hid_t id, const std::string& file, const std::string& what) {
  if (id < 0) fail(file, what);
  return id;
}

// The status of any other call, or the IOError.
void ok(herr_t status, const std::string& file, const std::string& what) {
  if (status < 0) fail(file, what);
}

// The strings of an attribute or dataset of string type `type` over `space`.
std::vector<std::string> read_strings(hid_t attr, hid_t type, hid_t space, const std::string& file,
                                      const std::string& what) {
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  if (n < 0) fail(file, what);
  std::vector<std::string> out;
  if (n == 0) return out;
  if (H5Tis_variable_str(type) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1));
    ok(H5Tset_size(static_cast<hid_t>(mem.id()), H5T_VARIABLE), file, what);
    std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
    ok(H5Aread(attr, static_cast<hid_t>(mem.id()), ptrs.data()), file, what);
    for (char* p : ptrs) out.emplace_back(p ? p : "");
    H5Dvlen_reclaim(static_cast<hid_t>(mem.id()), space, H5P_DEFAULT, ptrs.data());
    return out;
  }
  const std::size_t size = H5Tget_size(type);
  if (size == 0 || size > (std::size_t{1} << 20)) fail(file, what + ": string size out of range");
  std::vector<char> buffer(size * static_cast<std::size_t>(n));
  ok(H5Aread(attr, type, buffer.data()), file, what);
  for (hssize_t i = 0; i < n; ++i) {
    const char* p = buffer.data() + static_cast<std::size_t>(i) * size;
    out.emplace_back(p, strnlen(p, size));  // NULLPAD or NULLTERM
  }
  return out;
}

// The name HDF5 knows an in-memory file by: unique, so that it never meets a file of the same
// name on disk or another image (messages use the caller's name).
std::string memory_file_name() {
  static std::atomic<std::uint64_t> n{0};
  return fmt::str("keel-in-memory-", n.fetch_add(1));
}

Handle fixed_string_type(std::size_t size) {
  Handle t(H5Tcopy(H5T_C_S1));
  H5Tset_size(static_cast<hid_t>(t.id()), std::max<std::size_t>(size, 1));
  H5Tset_strpad(static_cast<hid_t>(t.id()), H5T_STR_NULLPAD);
  return t;
}

}  // namespace

// --- Handle -----------------------------------------------------------------------------------

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    Handle dead(id_);
    id_ = other.id_;
    other.id_ = -1;
  }
  return *this;
}

Handle::~Handle() {
  if (id_ >= 0) H5Idec_ref(static_cast<hid_t>(id_));
}

// --- Group ------------------------------------------------------------------------------------

std::string Group::where(const std::string& name) const {
  return path_ == "/" ? "/" + name : path_ + "/" + name;
}

bool Group::has_attribute(const std::string& name) const {
  const htri_t r = H5Aexists(static_cast<hid_t>(h_.id()), name.c_str());
  if (r < 0) fail(file_, fmt::str("cannot look for attribute '", name, "' of ", path_));
  return r > 0;
}

std::optional<std::string> Group::string_attribute(const std::string& name) const {
  if (!has_attribute(name)) return std::nullopt;
  const std::vector<std::string> v = string_list_attribute(name);
  if (v.size() != 1)
    throw IOError(fmt::str(file_, ": attribute '", name, "' of ", path_, " holds ", v.size(),
                           " strings, expected one"));
  return v[0];
}

std::vector<std::string> Group::string_list_attribute(const std::string& name) const {
  const std::string what = fmt::str("cannot read attribute '", name, "' of ", path_);
  Handle attr(opened(H5Aopen(static_cast<hid_t>(h_.id()), name.c_str(), H5P_DEFAULT), file_, what));
  Handle type(opened(H5Aget_type(static_cast<hid_t>(attr.id())), file_, what));
  Handle space(opened(H5Aget_space(static_cast<hid_t>(attr.id())), file_, what));
  const int rank = H5Sget_simple_extent_ndims(static_cast<hid_t>(space.id()));
  if (rank < 0 || rank > 1)
    throw IOError(fmt::str(file_, ": attribute '", name, "' of ", path_, " has rank ", rank,
                           ", expected a list of strings"));
  const hssize_t n = H5Sget_simple_extent_npoints(static_cast<hid_t>(space.id()));
  if (n == 0) return {};  // h5py writes [] as an empty float64 array
  if (H5Tget_class(static_cast<hid_t>(type.id())) != H5T_STRING)
    throw IOError(
        fmt::str(file_, ": attribute '", name, "' of ", path_, " is not a list of strings"));
  return read_strings(static_cast<hid_t>(attr.id()), static_cast<hid_t>(type.id()),
                      static_cast<hid_t>(space.id()), file_, what);
}

void Group::set_string_attribute(const std::string& name, const std::string& value) {
  const std::string what = fmt::str("cannot write attribute '", name, "' of ", path_);
  Handle type = fixed_string_type(value.size());
  Handle space(opened(H5Screate(H5S_SCALAR), file_, what));
  Handle attr(
      opened(H5Acreate2(static_cast<hid_t>(h_.id()), name.c_str(), static_cast<hid_t>(type.id()),
                        static_cast<hid_t>(space.id()), H5P_DEFAULT, H5P_DEFAULT),
             file_, what));
  std::string padded = value;
  padded.resize(std::max<std::size_t>(value.size(), 1), '\0');
  ok(H5Awrite(static_cast<hid_t>(attr.id()), static_cast<hid_t>(type.id()), padded.data()), file_,
     what);
}

void Group::set_string_list_attribute(const std::string& name,
                                      const std::vector<std::string>& values) {
  const std::string what = fmt::str("cannot write attribute '", name, "' of ", path_);
  const hsize_t n = values.size();
  Handle space(opened(H5Screate_simple(1, &n, nullptr), file_, what));
  if (values.empty()) {
    Handle attr(opened(H5Acreate2(static_cast<hid_t>(h_.id()), name.c_str(), H5T_IEEE_F64LE,
                                  static_cast<hid_t>(space.id()), H5P_DEFAULT, H5P_DEFAULT),
                       file_, what));
    return;
  }
  std::size_t size = 1;
  for (const std::string& v : values) size = std::max(size, v.size());
  Handle type = fixed_string_type(size);
  Handle attr(
      opened(H5Acreate2(static_cast<hid_t>(h_.id()), name.c_str(), static_cast<hid_t>(type.id()),
                        static_cast<hid_t>(space.id()), H5P_DEFAULT, H5P_DEFAULT),
             file_, what));
  std::vector<char> buffer(size * values.size(), '\0');
  for (std::size_t i = 0; i < values.size(); ++i)
    std::memcpy(buffer.data() + i * size, values[i].data(), values[i].size());
  ok(H5Awrite(static_cast<hid_t>(attr.id()), static_cast<hid_t>(type.id()), buffer.data()), file_,
     what);
}

bool Group::has_child(const std::string& name) const {
  if (name.empty() || name.find('/') != std::string::npos) {
    // A path: every link on the way must exist (H5Lexists requires it).
    std::size_t start = 0;
    std::string prefix;
    while (start <= name.size()) {
      const std::size_t end = std::min(name.find('/', start), name.size());
      const std::string part = name.substr(start, end - start);
      if (part.empty()) return false;
      prefix += (prefix.empty() ? "" : "/") + part;
      const htri_t r = H5Lexists(static_cast<hid_t>(h_.id()), prefix.c_str(), H5P_DEFAULT);
      if (r <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return false;
      }
      start = end + 1;
    }
    return true;
  }
  const htri_t r = H5Lexists(static_cast<hid_t>(h_.id()), name.c_str(), H5P_DEFAULT);
  if (r < 0) H5Eclear2(H5E_DEFAULT);
  return r > 0;
}

Group Group::group(const std::string& name) const {
  if (!has_child(name)) throw IOError(fmt::str(file_, ": no group '", where(name), "'"));
  Handle g(opened(H5Gopen2(static_cast<hid_t>(h_.id()), name.c_str(), H5P_DEFAULT), file_,
                  fmt::str("cannot open group '", where(name), "'")));
  return Group(std::move(g), file_, where(name));
}

Group Group::create_group(const std::string& name) {
  Handle g(opened(
      H5Gcreate2(static_cast<hid_t>(h_.id()), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      file_, fmt::str("cannot create group '", where(name), "'")));
  return Group(std::move(g), file_, where(name));
}

Tensor Group::read_tensor(const std::string& name) const {
  const std::string what = fmt::str("cannot read dataset '", where(name), "'");
  if (!has_child(name)) throw IOError(fmt::str(file_, ": no dataset '", where(name), "'"));
  Handle d(opened(H5Dopen2(static_cast<hid_t>(h_.id()), name.c_str(), H5P_DEFAULT), file_, what));
  Handle type(opened(H5Dget_type(static_cast<hid_t>(d.id())), file_, what));
  const H5T_class_t cls = H5Tget_class(static_cast<hid_t>(type.id()));
  if (cls != H5T_FLOAT && cls != H5T_INTEGER)
    throw IOError(fmt::str(file_, ": dataset '", where(name), "' is not numeric"));
  Handle space(opened(H5Dget_space(static_cast<hid_t>(d.id())), file_, what));
  const int rank = H5Sget_simple_extent_ndims(static_cast<hid_t>(space.id()));
  if (rank < 0 || rank > Shape::kMaxRank)
    throw IOError(fmt::str(file_, ": dataset '", where(name), "' has rank ", rank,
                           ", expected at most ", Shape::kMaxRank));
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0 &&
      H5Sget_simple_extent_dims(static_cast<hid_t>(space.id()), dims.data(), nullptr) < 0)
    fail(file_, what);
  std::vector<std::int64_t> shape;
  std::uint64_t numel = 1;
  for (hsize_t v : dims) {
    if (v > static_cast<hsize_t>(std::numeric_limits<std::int32_t>::max()) ||
        (v != 0 && numel > std::numeric_limits<std::uint64_t>::max() / v / 4))
      throw IOError(fmt::str(file_, ": dataset '", where(name), "' has a dimension of ", v,
                             ", too large for a tensor"));
    numel *= v;
    shape.push_back(static_cast<std::int64_t>(v));
  }
  // A dataset that claims elements but stores none would make keel allocate what the file never
  // held (HDF5 fills it with fill values).
  if (numel > 0 && H5Dget_storage_size(static_cast<hid_t>(d.id())) == 0)
    throw IOError(fmt::str(file_, ": dataset '", where(name), "' holds no data"));
  Tensor t = Tensor::empty(Shape(shape));
  if (numel > 0)
    ok(H5Dread(static_cast<hid_t>(d.id()), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
               t.data()),
       file_, what);
  return t;
}

void Group::write_tensor(const std::string& name, const Tensor& value) {
  const std::string what = fmt::str("cannot write dataset '", where(name), "'");
  const Tensor t = value.to_plain();
  std::vector<hsize_t> dims;
  for (int i = 0; i < t.shape().rank(); ++i) dims.push_back(static_cast<hsize_t>(t.shape()[i]));
  Handle space(opened(dims.empty()
                          ? H5Screate(H5S_SCALAR)
                          : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                      file_, what));
  Handle d(opened(H5Dcreate2(static_cast<hid_t>(h_.id()), name.c_str(), H5T_IEEE_F32LE,
                             static_cast<hid_t>(space.id()), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  file_, what));
  if (t.numel() > 0)
    ok(H5Dwrite(static_cast<hid_t>(d.id()), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                t.data()),
       file_, what);
}

// --- File -------------------------------------------------------------------------------------

File File::open(const std::string& path) {
  silence_library();
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 <= 0) {
    H5Eclear2(H5E_DEFAULT);
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw IOError(fmt::str(path, ": cannot be opened (missing file or no permission)"));
    std::fclose(f);
    throw IOError(fmt::str(path, ": not an HDF5 file"));
  }
  Handle h(opened(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), path, "cannot open"));
  return File(std::move(h), path);
}

File File::open_image(std::string_view bytes, const std::string& name) {
  silence_library();
  if (bytes.size() < 8 || std::memcmp(bytes.data(), "\x89HDF\r\n\x1a\n", 8) != 0)
    throw IOError(fmt::str(name, ": not an HDF5 file"));
  Handle fapl(opened(H5Pcreate(H5P_FILE_ACCESS), name, "cannot open"));
  ok(H5Pset_fapl_core(static_cast<hid_t>(fapl.id()), 1 << 16, 0), name, "cannot open");
  ok(H5Pset_file_image(static_cast<hid_t>(fapl.id()), const_cast<char*>(bytes.data()),
                       bytes.size()),
     name, "cannot open");
  Handle h(
      opened(H5Fopen(memory_file_name().c_str(), H5F_ACC_RDONLY, static_cast<hid_t>(fapl.id())),
             name, "cannot open"));
  return File(std::move(h), name);
}

File File::create_in_memory(const std::string& name) {
  silence_library();
  Handle fapl(opened(H5Pcreate(H5P_FILE_ACCESS), name, "cannot create"));
  ok(H5Pset_fapl_core(static_cast<hid_t>(fapl.id()), 1 << 20, /*backing_store=*/0), name,
     "cannot create");
  Handle h(opened(H5Fcreate(memory_file_name().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT,
                            static_cast<hid_t>(fapl.id())),
                  name, "cannot create"));
  return File(std::move(h), name);
}

Group File::root() const {
  Handle g(opened(H5Gopen2(static_cast<hid_t>(h_.id()), "/", H5P_DEFAULT), name_,
                  "cannot open the root group"));
  return Group(std::move(g), name_, "/");
}

std::string File::image() const {
  const hid_t f = static_cast<hid_t>(h_.id());
  ok(H5Fflush(f, H5F_SCOPE_GLOBAL), name_, "cannot flush");
  const ssize_t size = H5Fget_file_image(f, nullptr, 0);
  if (size < 0) fail(name_, "cannot take the file's image");
  std::string bytes(static_cast<std::size_t>(size), '\0');
  if (H5Fget_file_image(f, bytes.data(), bytes.size()) < 0)
    fail(name_, "cannot take the file's image");
  return bytes;
}

}  // namespace keel::hdf5
