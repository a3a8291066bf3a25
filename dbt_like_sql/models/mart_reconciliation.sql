-- One row per grant year at the national level and one per county of the year's structure:
-- the money distributed against what the counties report as used (granted to projects plus
-- spent on competence building), and the difference. The national row (there even without
-- grant totals) distributes the grant totals (appropriation, to the development centres, to
-- the counties); a county row its allocation. difference_nok is what is not reported as used; it is an upper bound while a
-- grant amount could not be read (n_grant_amount_missing > 0). distributed_source says where
-- the distributed sum comes from: the report states a reconciliation only where it is official.
-- pct_difference is the difference as whole percent of the distributed sum, rounded half away
-- from zero (the pct macro on its absolute value), negative when more is reported than distributed.

with grant_totals as (

    select * from {{ ref('grant_totals') }}
    where grant_year = {{ grant_year }}

),

county_summary as (

    select * from {{ ref('mart_county_summary') }}
    where grant_year = {{ grant_year }}

),

national_use as (

    select
        sum(n_projects) as n_projects,
        sum(n_intercommunal) as n_intercommunal,
        sum(granted_nok) as granted_nok,
        sum(competence_nok) as competence_nok,
        sum(n_grant_amount_missing) as n_grant_amount_missing

    from county_summary

),

national as (

    select
        {{ grant_year }} as grant_year,
        'national' as scope,
        cast(null as text) as county_no,
        cast(null as text) as county,
        grant_totals.appropriation_nok,
        grant_totals.development_centres_nok,
        grant_totals.counties_total_nok as distributed_nok,
        coalesce(national_use.n_projects, 0) as n_projects,
        coalesce(national_use.n_intercommunal, 0) as n_intercommunal,
        coalesce(national_use.granted_nok, 0) as granted_nok,
        coalesce(national_use.competence_nok, 0) as competence_nok,
        coalesce(national_use.n_grant_amount_missing, 0) as n_grant_amount_missing,
        grant_totals.source as distributed_source

    from national_use
    left join grant_totals on 1 = 1

),

per_county as (

    select
        grant_year,
        'county' as scope,
        county_no,
        county,
        cast(null as integer) as appropriation_nok,
        cast(null as integer) as development_centres_nok,
        allocation_nok as distributed_nok,
        n_projects,
        n_intercommunal,
        granted_nok,
        competence_nok,
        n_grant_amount_missing,
        allocation_source as distributed_source

    from county_summary

),

both_levels as (

    select * from national
    union all
    select * from per_county

),

final as (

    select
        grant_year,
        scope,
        county_no,
        county,
        appropriation_nok,
        development_centres_nok,
        distributed_nok,
        n_projects,
        n_intercommunal,
        granted_nok,
        competence_nok,
        granted_nok + competence_nok as reported_used_nok,
        distributed_nok - granted_nok - competence_nok as difference_nok,
        case
            when distributed_nok - granted_nok - competence_nok >= 0
                then {{ pct('distributed_nok - granted_nok - competence_nok', 'distributed_nok') }}
            else 0 - {{ pct('granted_nok + competence_nok - distributed_nok', 'distributed_nok') }}
        end as pct_difference,
        n_grant_amount_missing,
        distributed_source

    from both_levels

)

select * from final
