# manpage.cmake - one man page from its scdoc source, or the bash
# completion, with the parts generated from the programs' own tables
# (cmake -P; man/CMakeLists.txt runs it).
#
#   -DIN=page.scd.in -DOUT=page [-DSCDOC=scdoc]
#   -DFLIPCTL=flipctl          %%FLIPCTL_SECTIONS%%: flipctl --print-man
#   -DFLIPDNSD=flipdnsd -DKEYS_DOC=config-keys.scd
#                              %%CONFIG_KEYS%%: flipdnsd --print-config-keys
#                              with each key's description from KEYS_DOC
#   -DEXAMPLE=file             %%EXAMPLE%%: the file's text
#   -DCOMPLETION=ON -DFLIPCTL=flipctl -DOUT=file: flipctl --print-completion
#
# A schema key with no description in KEYS_DOC, or a description of a key
# the schema lacks, fails the build: the manual cannot drift from the
# parser.  CMake lists split on ';' and group on '[...]', so those
# characters travel as placeholders while lines are handled.
cmake_minimum_required(VERSION 3.18)

function(run_tool out)
  execute_process(COMMAND ${ARGN} OUTPUT_VARIABLE text RESULT_VARIABLE rc
    ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${ARGN} failed (${rc}): ${err}")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# text -> list of lines, with ; [ ] hidden
function(to_lines out text)
  string(REPLACE ";" "_SEMI_" text "${text}")
  string(REPLACE "[" "_LB_" text "${text}")
  string(REPLACE "]" "_RB_" text "${text}")
  string(REPLACE "\n" ";" lines "${text}")
  set(${out} "${lines}" PARENT_SCOPE)
endfunction()

function(from_line out line)
  string(REPLACE "_SEMI_" ";" line "${line}")
  string(REPLACE "_LB_" "[" line "${line}")
  string(REPLACE "_RB_" "]" line "${line}")
  set(${out} "${line}" PARENT_SCOPE)
endfunction()

# scdoc markup characters in generated text
function(scd_escape out text)
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REPLACE "*" "\\*" text "${text}")
  string(REPLACE "_" "\\_" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

if(COMPLETION)
  run_tool(text ${FLIPCTL} --print-completion)
  file(WRITE ${OUT} "${text}")
  return()
endif()

file(READ ${IN} page)

if(FLIPCTL)
  run_tool(text ${FLIPCTL} --print-man)
  string(REPLACE "%%FLIPCTL_SECTIONS%%\n" "${text}" page "${page}")
endif()

if(EXAMPLE)
  file(READ ${EXAMPLE} text)
  string(REPLACE "%%EXAMPLE%%\n" "${text}" page "${page}")
endif()

if(FLIPDNSD)
  # descriptions: a key line, then its tab-indented lines
  file(READ ${KEYS_DOC} doc)
  to_lines(lines "${doc}")
  set(key "")
  set(described "")
  foreach(line IN LISTS lines)
    if(line MATCHES "^#" OR line STREQUAL "")
      continue()
    endif()
    if(line MATCHES "^\t")
      if(key STREQUAL "")
        message(FATAL_ERROR "${KEYS_DOC}: a description before any key")
      endif()
      string(APPEND desc_${key} "${line}\n")
    else()
      set(key "${line}")
      if(key IN_LIST described)
        message(FATAL_ERROR "${KEYS_DOC}: ${key} is described twice")
      endif()
      list(APPEND described "${key}")
      set(desc_${key} "")
    endif()
  endforeach()

  run_tool(text ${FLIPDNSD} --print-config-keys)
  to_lines(rows "${text}")
  set(out "")
  set(missing "")
  set(seen "")
  foreach(row IN LISTS rows)
    if(row STREQUAL "")
      continue()
    endif()
    string(REPLACE "\t" ";" f "${row}")
    list(GET f 0 k)
    list(GET f 1 type)
    list(GET f 2 def)
    list(APPEND seen "${k}")
    if(NOT k IN_LIST described)
      list(APPEND missing "${k}")
      continue()
    endif()
    foreach(v k type def)
      from_line(${v} "${${v}}")
      scd_escape(${v} "${${v}}")
    endforeach()
    if(def STREQUAL "required")
      set(head "\t${type}; required.\n")
    else()
      set(head "\t${type}; default: ${def}.\n")
    endif()
    list(GET f 0 rk)
    from_line(body "${desc_${rk}}")
    string(APPEND out "*${k}*\n${head}${body}\n")
  endforeach()
  if(missing)
    message(FATAL_ERROR "${KEYS_DOC}: no description of the configuration "
      "key(s) ${missing}: describe each key of src/conf/config.c's schema")
  endif()
  foreach(k IN LISTS described)
    if(NOT k IN_LIST seen)
      from_line(k "${k}")
      message(FATAL_ERROR "${KEYS_DOC}: describes ${k}, which the "
        "configuration schema (src/conf/config.c) does not have")
    endif()
  endforeach()
  string(REPLACE "%%CONFIG_KEYS%%\n" "${out}" page "${page}")
endif()

if(page MATCHES "%%[A-Z_]+%%")
  message(FATAL_ERROR "${IN}: a %%PLACEHOLDER%% was left unfilled")
endif()
file(WRITE ${OUT}.scd "${page}")
execute_process(COMMAND ${SCDOC} INPUT_FILE ${OUT}.scd OUTPUT_FILE ${OUT}.tmp
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "scdoc ${OUT}.scd: ${err}")
endif()

# scdoc's roff, tidied so that `mandoc -Tlint` finds nothing: no empty
# paragraph macros (scdoc puts .P after every .SH and before every .RE),
# and text lines wrapped at 80 bytes (roff fills them again; literal
# .nf blocks are left as they are).
file(READ ${OUT}.tmp roff)
to_lines(lines "${roff}")
list(LENGTH lines n)
set(tidy "")
set(prev "")
set(nofill FALSE)
math(EXPR last "${n} - 1")
foreach(i RANGE 0 ${last})
  list(GET lines ${i} line)
  set(next "")
  if(i LESS last)
    math(EXPR j "${i} + 1")
    list(GET lines ${j} next)
  endif()
  if(line STREQUAL ".P" AND (prev MATCHES "^\\.(SH|SS|TH)" OR
      next MATCHES "^\\.(SH|SS|RE|P$|RS)" OR next STREQUAL ""))
    continue()
  endif()
  if(line STREQUAL ".nf")
    set(nofill TRUE)
  elseif(line STREQUAL ".fi")
    set(nofill FALSE)
  endif()
  set(prev "${line}")
  from_line(line "${line}")
  string(LENGTH "${line}" len)
  while(NOT nofill AND len GREATER 80 AND NOT line MATCHES "^[.']")
    string(SUBSTRING "${line}" 0 81 head)
    string(FIND "${head}" " " at REVERSE)
    if(at LESS 1)
      break()
    endif()
    string(SUBSTRING "${line}" 0 ${at} head)
    math(EXPR at "${at} + 1")
    string(SUBSTRING "${line}" ${at} -1 line)
    string(APPEND tidy "${head}\n")
    if(line MATCHES "^[.']")
      set(line "\\&${line}")
    endif()
    string(LENGTH "${line}" len)
  endwhile()
  string(APPEND tidy "${line}\n")
endforeach()
string(REGEX REPLACE "\n+$" "\n" tidy "${tidy}")
file(WRITE ${OUT} "${tidy}")
file(REMOVE ${OUT}.tmp)
