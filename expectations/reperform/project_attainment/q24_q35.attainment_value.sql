/* Projects of the grant year with an attainment answer (q24..q35) that is not one of {{ value_set }}:
   in the table, or unreadable (kept as exported in cleaning_issues). */
SELECT DISTINCT a.response_id
FROM project_attainment a
JOIN form_questions q ON q.grant_year = a.grant_year AND q.criterion_no = a.criterion_no
WHERE a.grant_year = {{ grant_year }}
  AND ((a.answer IS NOT NULL AND a.answer NOT IN ({{ value_set }}))
       OR (a.answer IS NULL
           AND EXISTS (SELECT 1 FROM cleaning_issues ci
                       WHERE ci.grant_year = a.grant_year AND ci.response_id = a.response_id
                         AND ci.question_id = q.question_id AND ci.rule = q.question_id || '.attainment_value')))
