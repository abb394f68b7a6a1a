# retailfuse review: the reviewer's page (docs/review.md). Its report's data value by value on a
# hand-written scenario and output (review_report.py), the page in headless Chromium — figures
# drawn as they are scrolled to, a choice clicked, the verdicts downloaded exactly
# (review_browser.py, skipped without chromium) — and the command's usage errors.
find_program(RF_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
add_test(NAME cli_review_report
  COMMAND ${RF_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/cli/review_report.py $<TARGET_FILE:retailfuse_cli>
          ${CMAKE_CURRENT_SOURCE_DIR}/data ${CMAKE_CURRENT_BINARY_DIR}/review_report)
add_test(NAME cli_review_browser
  COMMAND ${RF_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/cli/review_browser.py $<TARGET_FILE:retailfuse_cli>
          ${CMAKE_CURRENT_BINARY_DIR}/review_browser ${CMAKE_CURRENT_SOURCE_DIR}/data)
set_tests_properties(cli_review_browser PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS browser)
rf_cli_test(review_help ARGS review --help EXIT 0
  STDOUT "^usage: retailfuse review SCENARIO OUTPUT --html REPORT.html \\[--all\\] \\[--window SECONDS\\]\n")
rf_cli_test(review_no_files ARGS review EXIT 2
  STDERR "^retailfuse: review: needs SCENARIO and OUTPUT \\(try 'retailfuse --help'\\)\n$")
rf_cli_test(review_no_html ARGS review a b EXIT 2
  STDERR "^retailfuse: review: --html REPORT.html is required")
rf_cli_test(review_html_no_file ARGS review a b --html EXIT 2 STDERR "review: --html needs a file name")
rf_cli_test(review_bad_window ARGS review a b --html r.html --window 61 EXIT 2
  STDERR "review: --window needs a number of seconds within \\[0, 60\\]")
rf_cli_test(review_unknown_option ARGS review a b --html r.html --bogus EXIT 2
  STDERR "review: unknown option '--bogus'")
rf_cli_test(review_three_files ARGS review a b c --html r.html EXIT 2
  STDERR "review: takes SCENARIO and OUTPUT, got a third file 'c'")
# Its --help through the shared check (tests/cli/help.cmake), when that is there.
if(COMMAND rf_cli_help_test)
  rf_cli_help_test(review --html --all --window)
endif()
# The verdict round trip: every flagged decision of a busy store judged otherwise, the verdicts
# taken with run --reviews, each amended receipt exactly the reviewer's choice.
add_test(NAME cli_review_round_trip
  COMMAND ${RF_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/cli/review_round_trip.py
          $<TARGET_FILE:retailfuse_cli> ${CMAKE_CURRENT_BINARY_DIR}/review_round_trip)
# Verdicts on the visits a link or a return makes (found by a review; each failed before):
# M, O's member, back after O's receipt with a cart of their own — a verdict on M's new take
# amends M's receipt, not O's; M, gone with O's receipt long before a decision, is no shopper of
# it; M linked into O then P — agreeing about M's take changes nothing (it moved it to O); staff
# back as a shopper before the staff receipt buys as a shopper.
set(rf_verdicts ${CMAKE_CURRENT_SOURCE_DIR}/cli/data/verdicts)
rf_cli_test(verdict_member_back
  ARGS run ${rf_verdicts}/member_back.jsonl --reviews ${rf_verdicts}/member_back_nobody.jsonl
  EXIT 0 STDOUT "\"shopper\":\"O\",\"items\":\\{\"TEA1\":1\\},\"review\":false\\}\n[^\n]*\n[^\n]*\n[^\n]*\n\\{\"type\":\"receipt\",\"t\":67000000,\"shopper\":\"M\",\"items\":\\{\\},\"review\":false,\"amends\":true\\}\n$")
rf_cli_test(verdict_member_gone
  ARGS run ${rf_verdicts}/member_gone.jsonl --reviews ${rf_verdicts}/member_gone_review.jsonl
  EXIT 0 STDOUT "\"review\":(true|false)\\}\n$" STDERR "set aside 1 \\(1 unknown_shopper\\)")
rf_cli_test(verdict_relinked_member
  ARGS run ${rf_verdicts}/relink.jsonl --reviews ${rf_verdicts}/relink_agree.jsonl
  EXIT 0 STDOUT "^\\{\"type\":\"diff\",\"seq\":0,[^\n]*\"event\":0\\}\n\\{\"type\":\"receipt\",\"t\":37000000,\"shopper\":\"O\",\"items\":\\{\\},\"review\":false\\}\n\\{\"type\":\"receipt\",\"t\":37000000,\"shopper\":\"P\",\"items\":\\{\"TEA1\":1\\},\"review\":false\\}\n$"
  STDERR "1 verdicts taken")
rf_cli_test(verdict_staff_back
  ARGS run ${rf_verdicts}/staff_back.jsonl --reviews ${rf_verdicts}/staff_back_review.jsonl
  EXIT 0 STDOUT "\\{\"type\":\"receipt\",\"t\":37000000,\"shopper\":\"S\",\"items\":\\{\"TEA1\":2\\},\"review\":false,\"amends\":true\\}\n$")
add_test(NAME cli_explain_valid
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/explain_valid.sh $<TARGET_FILE:retailfuse_cli>
          ${CMAKE_CURRENT_BINARY_DIR}/explain_valid)
# A verdict of 70 items (a basket judged at once) is taken: it stopped the run ("more than 64").
rf_cli_test(verdict_many_items
  ARGS run ${rf_verdicts}/many_products.jsonl --reviews ${rf_verdicts}/many_products_reviews.jsonl
  EXIT 0 STDOUT "\"items\":\\{\\},\"review\":false,\"amends\":true\\}\n$" STDERR "2 verdicts taken")
# run --reviews: a file that cannot be read is said before the run (it was after the whole run,
# as "input/output error"); a verdict set aside is listed in --rejects with its own file's name.
rf_cli_test(verdict_file_missing
  ARGS run ${rf_verdicts}/relink.jsonl --reviews ${CMAKE_CURRENT_BINARY_DIR}/no/such.jsonl
  EXIT 1 STDERR "^retailfuse: cannot read '[^']*/no/such\\.jsonl': No such file or directory\n$")
set(rf_verdict_rejects ${CMAKE_CURRENT_BINARY_DIR}/verdict_rejects.jsonl)
rf_cli_test(verdict_rejects_name_the_file
  ARGS run ${rf_verdicts}/relink.jsonl --reviews ${rf_verdicts}/unknown_decision.jsonl
       --rejects ${rf_verdict_rejects}
  EXIT 0 STDERR "set aside 1 \\(1 unknown_decision\\)"
  OUTPUT_FILE ${rf_verdict_rejects}
  OUTPUT_MATCHES "^\\{\"file\":\"[^\"]*/unknown_decision\\.jsonl\",\"line\":1,\"reason\":\"unknown_decision\",\"message\":\"line 1: review: decision 77: no such decision \\(or older than REVIEW_S\\)\",\"record\":\\{\"type\":\"review\",\"decision\":77,\"shopper\":null,\"items\":\\{\\}\\}\\}\n$")
# The page's accept is the decision as the carts hold it now, corrections included (it undid
# them before).
add_test(NAME cli_review_accept
  COMMAND ${RF_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/cli/review_accept.py
          $<TARGET_FILE:retailfuse_cli> ${rf_verdicts}/corrected_take.jsonl
          ${CMAKE_CURRENT_BINARY_DIR}/review_accept)
# A hostile output (a quantity of 2^53 counted 1,100 times) is drawn, not overflowed.
rf_cli_test(review_huge_quantities
  ARGS review ${rf_verdicts}/corrected_take.jsonl ${rf_verdicts}/huge_quantities_output.jsonl
       --html ${CMAKE_CURRENT_BINARY_DIR}/huge.html
  EXIT 0 STDOUT "huge\\.html: 1 decision \\(1 flagged\\)")
