from sqlalchemy import Column, ForeignKey, Integer, String, UniqueConstraint, create_engine
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, relationship, sessionmaker


class Base(DeclarativeBase):
    pass


class Warehouse(Base):
    __tablename__ = "warehouse"
    id = Column(Integer, primary_key=True)
    code = Column(String(16), nullable=False)
    bins = relationship("Bin", back_populates="warehouse", cascade="all, delete")


class Bin(Base):
    __tablename__ = "bin"
    __table_args__ = (UniqueConstraint("warehouse_id", "label"),)
    id = Column(Integer, primary_key=True)
    warehouse_id = Column(Integer, ForeignKey("warehouse.id", ondelete="CASCADE"))
    label = Column(String(16))
    warehouse = relationship("Warehouse", back_populates="bins")
    items = relationship("Item", back_populates="bin", cascade="save-update, merge")


class Item(Base):
    __tablename__ = "item"
    id = Column(Integer, primary_key=True)
    sku = Column(String(32), nullable=False)
    quantity = Column(Integer, default=0)
    reserved = Column(Integer, default=0)
    bin_id = Column(Integer, ForeignKey("bin.id"))
    bin = relationship("Bin", back_populates="items")


class StockEvent(Base):
    __tablename__ = "stock_event"
    id = Column(Integer, primary_key=True)
    item_id = Column(Integer, ForeignKey("item.id"))
    delta = Column(Integer)


engine = create_async_engine("postgresql+asyncpg://inventory@db/inventory")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)

sync_engine = create_engine("postgresql://inventory@db/inventory")
SyncSession = sessionmaker(sync_engine)


def move_stock(source_id, target_id, quantity):
    session = SyncSession()
    source = session.get(Item, source_id)
    source.quantity -= quantity
    session.add(StockEvent(item_id=source_id, delta=-quantity))
    session.commit()
    target = session.get(Item, target_id)
    target.quantity += quantity
    session.add(StockEvent(item_id=target_id, delta=quantity))
    session.commit()


def move_stock_atomically(source_id, target_id, quantity):
    with SyncSession() as session, session.begin():
        source = session.get(Item, source_id, with_for_update=True)
        target = session.get(Item, target_id, with_for_update=True)
        source.quantity -= quantity
        target.quantity += quantity
        session.add_all([StockEvent(item_id=source_id, delta=-quantity), StockEvent(item_id=target_id, delta=quantity)])


def register_item(session, sku, bin_id):
    if session.query(Item).filter(Item.sku == sku).first() is None:
        session.add(Item(sku=sku, bin_id=bin_id))
        session.commit()


def rename_warehouse(session, warehouse_id, code):
    warehouse = session.get(Warehouse, warehouse_id)
    if code == warehouse.code:
        session.commit()
        return warehouse
    warehouse.code = code
    session.commit()
    return warehouse
