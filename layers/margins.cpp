#include "keel/layers/margins.h"

#include <map>

#include "keel/core/format.h"

namespace keel::layers {

CroppingSpec::CroppingSpec(std::initializer_list<std::initializer_list<std::int64_t>> pairs) {
  form_ = Config::array();
  for (const auto& p : pairs) form_.push_back(std::vector<std::int64_t>(p));
}

PaddingSpec::PaddingSpec(Pad1D d) {
  form_ = {{"left_pad", d.left_pad}, {"right_pad", d.right_pad}};
}

PaddingSpec::PaddingSpec(Pad2D d) {
  form_ = {{"top_pad", d.top_pad},
           {"bottom_pad", d.bottom_pad},
           {"left_pad", d.left_pad},
           {"right_pad", d.right_pad}};
}

namespace {

int rank_of(MarginKind k) {
  switch (k) {
    case MarginKind::pad1d:
    case MarginKind::crop1d:
      return 1;
    case MarginKind::pad2d:
    case MarginKind::crop2d:
      return 2;
    default:
      return 3;
  }
}

const char* expected_forms(MarginKind k) {
  switch (k) {
    case MarginKind::pad1d:
      return "an int, a list (left_pad, right_pad) or a dict with keys left_pad, right_pad";
    case MarginKind::pad2d:
      return "an int, a list (rows, cols) or (top_pad, bottom_pad, left_pad, right_pad), or a dict "
             "with those keys";
    case MarginKind::pad3d:
      return "an int or a list (dim1, dim2, dim3)";
    case MarginKind::crop1d:
      return "an int or a list (left, right)";
    case MarginKind::crop2d:
      return "an int or a list of 2 (begin, end) pairs ((top, bottom), (left, right))";
    case MarginKind::crop3d:
      return "an int or a list of 3 (begin, end) pairs";
  }
  return "";
}

bool int_list(const Config& j, std::vector<std::int64_t>& out) {
  if (!j.is_array()) return false;
  for (const Config& e : j) {
    if (!e.is_number_integer()) return false;
    out.push_back(e.get<std::int64_t>());
  }
  return true;
}

}  // namespace

ResolvedMargins resolve_margins(const Margins& m, MarginKind kind, std::string* error) {
  const Config& j = m.form();
  const int rank = rank_of(kind);
  ResolvedMargins r;
  bool ok = false;
  if (j.is_number_integer()) {
    const auto v = j.get<std::int64_t>();
    r.before.assign(static_cast<std::size_t>(rank), v);
    r.after = r.before;
    ok = true;
  } else if (j.is_object() && (kind == MarginKind::pad1d || kind == MarginKind::pad2d)) {
    const std::vector<std::string> keys =
        kind == MarginKind::pad1d
            ? std::vector<std::string>{"left_pad", "right_pad"}
            : std::vector<std::string>{"top_pad", "bottom_pad", "left_pad", "right_pad"};
    std::map<std::string, std::int64_t> v;
    ok = true;
    for (const auto& [key, value] : j.items()) {
      ok =
          ok && std::find(keys.begin(), keys.end(), key) != keys.end() && value.is_number_integer();
      if (ok) v[key] = value.get<std::int64_t>();
    }
    if (kind == MarginKind::pad1d) {
      r.before = {v["left_pad"]};
      r.after = {v["right_pad"]};
    } else {
      r.before = {v["top_pad"], v["left_pad"]};
      r.after = {v["bottom_pad"], v["right_pad"]};
    }
  } else if (j.is_array() && (kind == MarginKind::crop2d || kind == MarginKind::crop3d)) {
    ok = j.size() == static_cast<std::size_t>(rank);
    for (const Config& pair : j) {
      std::vector<std::int64_t> p;
      ok = ok && int_list(pair, p) && p.size() == 2;
      if (!ok) break;
      r.before.push_back(p[0]);
      r.after.push_back(p[1]);
    }
  } else if (std::vector<std::int64_t> v; int_list(j, v)) {
    if ((kind == MarginKind::pad1d || kind == MarginKind::crop1d) && v.size() == 2) {
      r.before = {v[0]};
      r.after = {v[1]};
      ok = true;
    } else if (kind == MarginKind::pad2d && v.size() == 2) {
      r.before = v;
      r.after = v;
      ok = true;
    } else if (kind == MarginKind::pad2d && v.size() == 4) {
      r.before = {v[0], v[2]};
      r.after = {v[1], v[3]};
      ok = true;
    } else if (kind == MarginKind::pad3d && v.size() == 3) {
      r.before = v;
      r.after = v;
      ok = true;
    }
  }
  if (ok)
    for (std::size_t i = 0; i < r.before.size(); ++i)
      ok = ok && r.before[i] >= 0 && r.after[i] >= 0;
  if (!ok && error) *error = fmt::str(expected_forms(kind), ", every entry >= 0");
  return r;
}

kwargs::Rule<Margins> margins_rule(MarginKind kind) {
  return [kind](const Margins& m) {
    std::string error;
    (void)resolve_margins(m, kind, &error);
    return error;
  };
}

}  // namespace keel::layers
