-- One row per grant year and attainment criterion: figure 4 of the report.
-- The national rows are the sum of the county rows, so the two marts always agree;
-- percentages are recomputed from the summed counts (never averaged).

with attainment_by_county as (

    select * from {{ ref('mart_attainment_by_county') }}
    where grant_year = {{ grant_year }}

),

answer_counts as (

    select
        grant_year,
        criterion_no,
        criterion,
        sum(n_projects) as n_projects,
        sum(n_with_goal) as n_with_goal,
        sum(n_ja) as n_ja,
        sum(n_delvis) as n_delvis,
        sum(n_nei) as n_nei,
        sum(n_ikke_aktuelt) as n_ikke_aktuelt,
        sum(n_unanswered) as n_unanswered

    from attainment_by_county
    group by grant_year, criterion_no, criterion

),

final as (

    select
        grant_year,
        criterion_no,
        criterion,
        n_projects,
        n_with_goal,
        {{ pct('n_with_goal', 'n_projects') }} as pct_with_goal,
        n_ja,
        n_delvis,
        n_nei,
        n_ikke_aktuelt,
        n_unanswered,
        {{ pct('n_ja', 'n_with_goal') }} as pct_ja_of_goal

    from answer_counts

)

select * from final
