# SPDX-License-Identifier: MIT
# Every dependency as a pkg-config imported target (PkgConfig::<name>).
find_package(PkgConfig REQUIRED)
pkg_check_modules(ldns REQUIRED IMPORTED_TARGET ldns)
pkg_check_modules(gssapi REQUIRED IMPORTED_TARGET mit-krb5-gssapi)
pkg_check_modules(krb5 REQUIRED IMPORTED_TARGET krb5)
pkg_check_modules(cares REQUIRED IMPORTED_TARGET libcares)
pkg_check_modules(sqlite3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(inih REQUIRED IMPORTED_TARGET inih)
pkg_check_modules(libcrypto REQUIRED IMPORTED_TARGET libcrypto)
pkg_check_modules(jansson REQUIRED IMPORTED_TARGET jansson)
if(KMSDNS_TESTS)
  pkg_check_modules(cmocka REQUIRED IMPORTED_TARGET cmocka)
endif()
