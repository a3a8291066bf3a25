/* Projects of the grant year with no lead service (q22): none recognised and no unreadable answer. */
SELECT p.response_id
FROM projects p
WHERE p.grant_year = {{ grant_year }} AND p.lead_service IS NULL
  AND NOT EXISTS (SELECT 1 FROM cleaning_issues ci
                  WHERE ci.grant_year = p.grant_year AND ci.response_id = p.response_id
                    AND ci.question_id = 'q22' AND ci.rule = 'q22.single_choice')
