DROP TABLE car_parks;
DROP TABLE packages;
DROP TABLE permit_types;
DROP TABLE sessions;
DROP TABLE users;
