# Embeds the review page's template in the command: writes OUT, a C file defining for each file
# of INPUTS (page.html, page.css, page.js) rf_review_page_<ext>[] and its length.
# cmake -DOUT=review_assets.c -DINPUTS="a;b;c" -P embed.cmake
set(text "/* Made by tools/review/embed.cmake from tools/review/: do not edit. */\n")
foreach(input IN LISTS INPUTS)
  get_filename_component(ext "${input}" LAST_EXT)
  string(SUBSTRING "${ext}" 1 -1 ext)
  file(READ "${input}" hex HEX)
  string(LENGTH "${hex}" digits)
  math(EXPR length "${digits} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "((0x..,){24})" "\\1\n" bytes "${bytes}")
  string(APPEND text
    "extern const unsigned char rf_review_page_${ext}[];\n"
    "extern const unsigned long rf_review_page_${ext}_len;\n"
    "const unsigned char rf_review_page_${ext}[] = {\n${bytes}0};\n"
    "const unsigned long rf_review_page_${ext}_len = ${length};\n")
endforeach()
file(WRITE "${OUT}.tmp" "${text}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
