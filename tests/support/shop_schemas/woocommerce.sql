-- WordPress + WooCommerce with HPOS order tables: users and their key/value meta, posts (a
-- legacy order kept as a post) with post meta, product reviews as comments, the HPOS orders,
-- order addresses and order meta, the customer lookup, sessions and two noise tables.
CREATE TABLE PREFIX_users (
  ID BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_login VARCHAR(60) NOT NULL DEFAULT '',
  user_pass VARCHAR(255) NOT NULL DEFAULT '',
  user_nicename VARCHAR(50) NOT NULL DEFAULT '',
  user_email VARCHAR(100) NOT NULL DEFAULT '',
  user_url VARCHAR(100) NOT NULL DEFAULT '',
  user_registered DATETIME NOT NULL,
  user_activation_key VARCHAR(255) NOT NULL DEFAULT '',
  user_status INT NOT NULL DEFAULT 0,
  display_name VARCHAR(250) NOT NULL DEFAULT '',
  PRIMARY KEY (ID),
  KEY user_email (user_email)
);
CREATE TABLE PREFIX_usermeta (
  umeta_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id BIGINT UNSIGNED NOT NULL DEFAULT 0,
  meta_key VARCHAR(255) DEFAULT NULL,
  meta_value LONGTEXT,
  PRIMARY KEY (umeta_id),
  KEY user_id (user_id)
);
CREATE TABLE PREFIX_posts (
  ID BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  post_author BIGINT UNSIGNED NOT NULL DEFAULT 0,
  post_date DATETIME NOT NULL,
  post_date_gmt DATETIME NOT NULL,
  post_content LONGTEXT NOT NULL,
  post_title TEXT NOT NULL,
  post_excerpt TEXT NOT NULL,
  post_status VARCHAR(20) NOT NULL DEFAULT 'publish',
  post_password VARCHAR(255) NOT NULL DEFAULT '',
  post_name VARCHAR(200) NOT NULL DEFAULT '',
  post_modified DATETIME NOT NULL,
  post_parent BIGINT UNSIGNED NOT NULL DEFAULT 0,
  post_type VARCHAR(20) NOT NULL DEFAULT 'post',
  PRIMARY KEY (ID)
);
CREATE TABLE PREFIX_postmeta (
  meta_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  post_id BIGINT UNSIGNED NOT NULL DEFAULT 0,
  meta_key VARCHAR(255) DEFAULT NULL,
  meta_value LONGTEXT,
  PRIMARY KEY (meta_id),
  KEY post_id (post_id)
);
CREATE TABLE PREFIX_comments (
  comment_ID BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  comment_post_ID BIGINT UNSIGNED NOT NULL DEFAULT 0,
  comment_author TINYTEXT NOT NULL,
  comment_author_email VARCHAR(100) NOT NULL DEFAULT '',
  comment_author_url VARCHAR(200) NOT NULL DEFAULT '',
  comment_author_IP VARCHAR(100) NOT NULL DEFAULT '',
  comment_date DATETIME NOT NULL,
  comment_date_gmt DATETIME NOT NULL,
  comment_content TEXT NOT NULL,
  comment_approved VARCHAR(20) NOT NULL DEFAULT '1',
  comment_agent VARCHAR(255) NOT NULL DEFAULT '',
  comment_type VARCHAR(20) NOT NULL DEFAULT 'comment',
  comment_parent BIGINT UNSIGNED NOT NULL DEFAULT 0,
  user_id BIGINT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (comment_ID)
);
CREATE TABLE PREFIX_wc_orders (
  id BIGINT UNSIGNED NOT NULL,
  status VARCHAR(20) NULL,
  currency VARCHAR(10) NULL,
  type VARCHAR(20) NULL,
  tax_amount DECIMAL(26,8) NULL,
  total_amount DECIMAL(26,8) NULL,
  customer_id BIGINT UNSIGNED NULL,
  billing_email VARCHAR(320) NULL,
  date_created_gmt DATETIME NULL,
  date_updated_gmt DATETIME NULL,
  parent_order_id BIGINT UNSIGNED NULL,
  payment_method VARCHAR(100) NULL,
  payment_method_title TEXT NULL,
  transaction_id VARCHAR(100) NULL,
  ip_address VARCHAR(100) NULL,
  user_agent TEXT NULL,
  customer_note TEXT NULL,
  PRIMARY KEY (id),
  KEY customer_id_billing_email (customer_id, billing_email(191))
);
CREATE TABLE PREFIX_wc_order_addresses (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id BIGINT UNSIGNED NOT NULL,
  address_type VARCHAR(20) NULL,
  first_name TEXT NULL,
  last_name TEXT NULL,
  company TEXT NULL,
  address_1 TEXT NULL,
  address_2 TEXT NULL,
  city TEXT NULL,
  state TEXT NULL,
  postcode TEXT NULL,
  country TEXT NULL,
  email VARCHAR(320) NULL,
  phone VARCHAR(100) NULL,
  KEY order_id (order_id)
);
CREATE TABLE PREFIX_wc_orders_meta (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id BIGINT UNSIGNED NULL,
  meta_key VARCHAR(255),
  meta_value TEXT NULL,
  KEY order_id (order_id)
);
CREATE TABLE PREFIX_wc_customer_lookup (
  customer_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id BIGINT UNSIGNED DEFAULT NULL,
  username VARCHAR(60) DEFAULT '' NOT NULL,
  first_name VARCHAR(255) NOT NULL,
  last_name VARCHAR(255) NOT NULL,
  email VARCHAR(100) NULL DEFAULT NULL,
  date_last_active TIMESTAMP NULL DEFAULT NULL,
  date_registered TIMESTAMP NULL DEFAULT NULL,
  country CHAR(2) DEFAULT '' NOT NULL,
  postcode VARCHAR(20) DEFAULT '' NOT NULL,
  city VARCHAR(100) DEFAULT '' NOT NULL,
  state VARCHAR(100) DEFAULT '' NOT NULL,
  PRIMARY KEY (customer_id),
  UNIQUE KEY user_id (user_id)
);
CREATE TABLE PREFIX_woocommerce_sessions (
  session_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  session_key CHAR(32) NOT NULL,
  session_value LONGTEXT NOT NULL,
  session_expiry BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (session_id),
  UNIQUE KEY session_key (session_key)
);
CREATE TABLE PREFIX_options (
  option_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  option_name VARCHAR(191) NOT NULL DEFAULT '',
  option_value LONGTEXT NOT NULL,
  autoload VARCHAR(20) NOT NULL DEFAULT 'yes',
  PRIMARY KEY (option_id),
  UNIQUE KEY option_name (option_name)
);
CREATE TABLE PREFIX_terms (
  term_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  name VARCHAR(200) NOT NULL DEFAULT '',
  slug VARCHAR(200) NOT NULL DEFAULT '',
  term_group BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (term_id)
);
