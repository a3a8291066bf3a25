/* Projects of the grant year with a q15 item that is not an option of the year's form: a key in
   project_target_groups outside form_options, or a piece of the answer the cleaning could not match (recorded as
   q15.multi_choice with "unknown option" and the answer as exported). */
SELECT b.response_id
FROM project_target_groups b
WHERE b.grant_year = {{ grant_year }}
  AND b.target_group NOT IN (SELECT o.option_key FROM form_options o
                   WHERE o.grant_year = {{ grant_year }} AND o.question_id = 'q15')
UNION
SELECT ci.response_id
FROM cleaning_issues ci
JOIN projects p ON p.grant_year = ci.grant_year AND p.response_id = ci.response_id
WHERE ci.grant_year = {{ grant_year }} AND ci.rule = 'q15.multi_choice' AND ci.message LIKE '%unknown option%'
