# SPDX-License-Identifier: MIT
# Warning flags for every kmsdns target, as an interface library to link PRIVATE.
add_library(kmsdns_warnings INTERFACE)
target_compile_options(kmsdns_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes
  -Wformat=2 -Wundef -Wpointer-arith -Wvla
  # Messages are built into fixed buffers on purpose; cutting a long one is fine.
  $<$<C_COMPILER_ID:GNU>:-Wno-format-truncation>)
if(KMSDNS_WERROR)
  target_compile_options(kmsdns_warnings INTERFACE -Werror)
endif()
target_compile_definitions(kmsdns_warnings INTERFACE _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
