// A read-only memory map of a whole file. Traces can be gigabytes: the reader
// never copies them, it hands out views into this mapping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ssmsim {

class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  // The same view over bytes in memory (fuzzing, tests); `name` for messages.
  MappedFile(std::string name, std::vector<uint8_t> bytes);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }
  // Drops the resident pages of [p, p + n) from this process (they stay in
  // the page cache): reading a huge trace front to back keeps memory flat.
  void release(const uint8_t* p, size_t n) const;

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
  std::vector<uint8_t> owned_;
};

}  // namespace ssmsim
