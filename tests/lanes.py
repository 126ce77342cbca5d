"""Which of the harness's own tests are ``slow``: the fast lane's definition, in one place.

``pytest tests -m "not slow and not network"`` is the lane a contributor runs between two
edits; ``pytest tests -n auto`` (CI, ``.ci/run``) runs everything. A test is slow when it
starts a whole suite run (a subprocess or pytester run of the suite, the self-test's
faulty and conformant servers), a virtual environment, or a server whose behaviour is
waited out on a deadline. Such a test is listed here with the reason, or carries
``@pytest.mark.slow`` itself (a new module may do either). ``network`` marks the tests
that install from the package registry (``tests/registry.py``); they are slow too.

The fast lane still runs every module's own logic: the checks on crafted evidence, the
parser, the schemas, the generators, the profile, the client against in-process servers,
the certificate and report builders on crafted runs, the sandbox's faults and variants
in effect on single requests. ``tests/test_lanes.py`` holds every entry here to a test that exists.
"""

from __future__ import annotations

# "tests/test_x.py" (every test of the module) or "tests/test_x.py::test_name" -> why it is slow.
SLOW: dict[str, str] = {
    # The self-test: the suite against sixty-odd faulty and conformant servers.
    "tests/test_faults_caught.py::test_fault_is_caught": "a pairwise suite run per hand-written fault",
    "tests/test_faults_caught.py::test_control_passes_every_selection": "the faults' selections against the control",
    "tests/test_mutation_operators.py::test_operator_mutant": "a suite run per operator mutant",
    "tests/test_variants_pass.py::test_variant_passes_the_whole_suite": "a pairwise suite run per legal variant",
    "tests/test_variants_pass.py::test_every_variant_ran_the_same_suite": "reads the variants' suite runs",
    "tests/test_variants_pass.py::test_variant_is_in_effect": "the sandbox's command line started per variant",
    "tests/test_variants_pass.py::test_idle_keepalive_connection_is_closed_by_the_server": "waits out the server's idle timeout",
    # Whole runs of the suite, in a subprocess or under pytester.
    "tests/test_xdist.py": "suite runs under pytest-xdist",
    "tests/test_hostile_targets.py": "sixteen suite runs against hostile servers",
    "tests/test_record_replay.py": "a recorded suite run and its replays",
    "tests/test_expected_data_end_to_end.py": "suite runs against servers wrong the same way in every answer",
    "tests/test_end_to_end.py": "pairwise suite runs",
    "tests/test_readme_profile.py": "suite runs with docs/profile.md's example profile",
    "tests/test_item_names.py": "two suite runs from different directories",
    "tests/test_preflight.py::test_a_run_names_the_wrong_entry_before_the_failures_it_causes": "suite runs with doctored profiles, one under xdist",
    "tests/test_preflight.py::test_a_run_with_the_right_profile_names_no_entry": "a suite run",
    "tests/test_passing_rows.py": "a whole suite run",
    "tests/test_secrets.py": "suite runs against a target that leaks the password",
    "tests/test_verdict_scope.py::test_a_k_selection_is_counted": "suite runs",
    "tests/test_verdict_scope.py::test_node_ids_are_counted": "suite runs",
    "tests/test_verdict_scope.py::test_a_plugin_skipping_items_leaves_the_verdict_to_the_requirements": "suite runs",
    "tests/test_verdict_scope.py::test_stepwise_is_a_selection": "suite runs",
    "tests/test_verdict_scope.py::test_a_plugin_keeping_a_part_of_the_items_is_incomplete": "suite runs, with xdist",
    "tests/test_verdict_scope.py::test_an_answer_that_is_no_envelope_is_not_conformant": "suite runs, with xdist",
    "tests/test_verdict_scope.py::test_a_refused_port_stops_with_three_files": "suite runs, with xdist",
    "tests/test_verdict_scope.py::test_refused_credentials_stop_with_three_files": "a suite run",
    "tests/test_verdict_scope.py::test_a_failing_item_names_every_check_that_found_it_not_only_the_examples": "a full run",
    "tests/test_deadline.py::test_a_run_against_the_target_fails_each_case_saying_why": "suite runs against slow servers",
    "tests/test_deadline.py::test_a_run_against_a_trickling_target_sends_each_request_retries_plus_one_times": "suite runs against slow servers",
    "tests/test_deadline.py::test_the_redirect_loop_is_not_called_a_redirect_elsewhere": "reads those runs",
    "tests/test_deadline.py::test_a_trickling_answer_ends_at_the_deadline": "waits out a deadline",
    "tests/test_deadline.py::test_a_connect_that_hangs_ends_at_the_deadline": "waits out a deadline",
    "tests/test_client.py::test_trickling_body_stops_at_the_deadline": "waits out a deadline",
    "tests/test_client.py::test_server_that_never_answers_times_out": "waits out a deadline",
    "tests/test_newcomer.py::test_console_script_runs_the_suite_and_passes_its_exit_code": "a suite run",
    "tests/test_newcomer.py::test_k_selects_items_ignoring_case_cases_exactly_and_the_readme_says_so": "suite runs",
    "tests/test_newcomer.py::test_collect_only_leaves_the_last_runs_reports_in_place": "a suite run",
    "tests/test_newcomer.py::test_wrong_path_ends_the_run_with_that_message": "a suite run",
    "tests/test_options.py::test_unreachable_target_is_one_clear_message": "suite runs, with xdist",
    "tests/test_options.py::test_report_dir_value_does_not_change_what_is_collected": "suite runs",
    "tests/test_options.py::test_html_target_is_not_an_envelope": "a suite run",
    "tests/test_options.py::test_malformed_html_target_is_not_an_envelope": "a suite run",
    "tests/test_certificate.py::test_reference_pairwise_run_writes_a_valid_certificate": "a pairwise run",
    "tests/test_certificate.py::test_require_conformant_fails_an_incomplete_run_that_passed": "a suite run",
    "tests/test_certificate.py::test_a_server_without_phone_is_not_conformant": "a suite run",
    "tests/test_certificate.py::test_xdist_controller_writes_the_same_verdicts": "a suite run under xdist",
    "tests/test_baseline.py::test_baseline_hides_listed_failures_and_reports_fixed_ones": "suite runs",
    "tests/test_compare.py::test_a_seeded_difference_is_found_side_by_side": "a suite run with --compare-url",
    "tests/test_compare.py::test_the_same_implementation_shows_no_difference": "a suite run with --compare-url",
    "tests/test_transport.py::test_cases_that_needed_retries_are_named": "a suite run",
    "tests/test_transport.py::test_insecure_is_said_in_the_summary": "a suite run",
    "tests/test_transport.py::test_insecure_has_an_ini_twin": "a suite run",
    "tests/test_verdict_evidence.py::test_one_coalition_customer_cannot_judge_all_campaigns": "suite runs",
    "tests/test_sandbox_cli.py::test_example_client_tests_pass_against_the_rotating_sandbox": "the example client's tests",
    "tests/test_sandbox_cli.py::test_example_client_tests_catch_a_fault": "the example client's tests",
    # The report of a whole run (module fixtures `out`, `report`, `certificate`, `secondary`).
    "tests/test_html_report.py::test_summary_shows_the_verdict_first": "the report of a suite run",
    "tests/test_html_report.py::test_title_names_the_call_and_the_target": "the report of a suite run",
    "tests/test_html_report.py::test_run_facts_dataset_and_links": "the report of a suite run",
    "tests/test_html_report.py::test_matrix_has_a_row_per_requirement_with_its_sentence": "the report of a suite run",
    "tests/test_html_report.py::test_counts_by_area": "the report of a suite run",
    "tests/test_html_report.py::test_failures_grouped_by_requirement": "the report of a suite run",
    "tests/test_html_report.py::test_a_requirement_failing_338_cases_prints_one": "the report of a suite run",
    "tests/test_html_report.py::test_matrix_lists_failing_rows_first_linked_to_their_failures": "the report of a suite run",
    "tests/test_html_report.py::test_self_contained": "the report of a suite run",
    "tests/test_html_report.py::test_page_text_is_dark_and_large_enough": "the report of a suite run",
    "tests/test_html_report.py::test_long_lines_wrap": "the report of a suite run",
    "tests/test_html_report.py::test_page_is_no_wider_than_the_window": "the report of a suite run, in Chromium",
    "tests/test_html_report.py::test_screenshot_tool_renders_a_png": "the report of a suite run, in Chromium",
    "tests/test_html_report.py::test_secondary_failure_is_marked_and_sorted_after_its_cause": "a suite run",
    "tests/test_html_report.py::test_each_note_carries_its_first_case_and_curl": "the report of a suite run",
    "tests/test_html_report.py::test_links_to_the_certificate_and_junit_follow_where_they_were_written": "suite runs",
    "tests/test_html_report.py::test_matrix_names_cases_as_why_a_requirement_did_not_run": "the report of a suite run",
    "tests/test_html_report.py::test_the_first_screen_shows_the_verdict_and_the_failing_requirements": (
        "the report of a suite run, in Chromium"
    ),
    "tests/test_html_report.py::test_the_verdict_names_each_failing_requirement": "the report of a suite run",
    "tests/test_html_report.py::test_counts_agree_with_their_nouns": "the report of a suite run",
    "tests/test_html_report.py::test_a_profile_naming_no_data_set_says_why_not_certified": "the report of a suite run",
    "tests/test_html_escaping.py::test_a_hostile_targets_text_stays_text_in_the_report": "a suite run",
    "tests/test_html_escaping.py::test_a_hostile_refusal_stays_text_in_the_stop_page": "a suite run, stopped",
    "tests/test_html_escaping.py::test_no_script_of_the_target_runs_in_a_browser": "suite runs' reports, in Chromium",
}


def why_slow(nodeid: str) -> str | None:
    """The reason ``nodeid`` (``tests/test_x.py::test_y[param]``) is slow, if it is listed."""
    path, _, rest = nodeid.partition("::")
    name = rest.split("[", 1)[0].split("::")[-1]
    return SLOW.get(f"{path}::{name}") or SLOW.get(path)
