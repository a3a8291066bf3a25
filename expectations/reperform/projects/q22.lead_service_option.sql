/* Projects of the grant year whose lead service (q22) is not an option of the year's form: a key
   outside form_options, or an answer the cleaning could not match (kept as exported in cleaning_issues). */
SELECT p.response_id
FROM projects p
WHERE p.grant_year = {{ grant_year }}
  AND ((p.lead_service IS NOT NULL
        AND p.lead_service NOT IN (SELECT o.option_key FROM form_options o
                                   WHERE o.grant_year = {{ grant_year }} AND o.question_id = 'q22'))
       OR (p.lead_service IS NULL
           AND EXISTS (SELECT 1 FROM cleaning_issues ci
                       WHERE ci.grant_year = p.grant_year AND ci.response_id = p.response_id
                         AND ci.question_id = 'q22' AND ci.rule = 'q22.single_choice')))
