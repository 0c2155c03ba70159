select
    id as customer_id,
    first_name,
    last_name,
    lower(email) as email,
    country as country_code
from {{ ref('raw_customers') }}
